//! One sync cycle: queue what the POS settled, send the queue, pull master data and stock from
//! the saved cursors, heartbeat. Every step saves its watermark as soon as it is safe, so a cycle
//! cut short anywhere resumes without losing or doubling anything.

use chrono::{Local as LocalTime, Utc};
use serde_json::Value;

use crate::{
    hub::{HeartbeatRequest, Hub, HubError},
    local::{self, Local},
    logbook,
    outbox::{Outbox, Queued},
    sell::RECEIPT_SERIES,
    settings::{Settings, SettingsError},
};

/// Changes and levels per page.
const PAGE: u32 = 500;
/// Transactions per batch.
const BATCH: usize = 100;
/// Log lines per upload.
const LOG_BATCH: u64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error("local database: {0}")]
    Local(#[from] sea_orm::DbErr),
    #[error("queue: {0}")]
    Queue(#[from] std::io::Error),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// What one cycle did.
#[derive(Debug, Default)]
pub struct Report {
    pub spooled: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Rejected for now (e.g. a void whose sale has not arrived): kept in the queue.
    pub kept: usize,
    pub customers_sent: usize,
    pub shift_events_sent: usize,
    /// Customer edits refused because the customer changed at the hub meanwhile.
    pub customer_conflicts: usize,
    pub master_changes: usize,
    pub stock_levels: usize,
    pub queued: usize,
}

pub struct Agent {
    pub settings: Settings,
    pub local: Local,
    pub outbox: Outbox,
    pub hub: Hub,
}

impl Agent {
    /// Runs one cycle and records its outcome in the settings.
    pub async fn cycle(&mut self) -> Result<Report, CycleError> {
        let mut report = Report::default();
        let outcome = self.steps(&mut report).await;
        // Whatever the cycle came to, its warnings are kept, and sent when the hub can be reached.
        if let Err(err) = self.ship_logs().await {
            tracing::debug!(error = %err, "the agent's log lines wait for the next cycle");
        }
        self.settings.pos.last_cycle_at = Some(Utc::now().to_rfc3339());
        self.settings.pos.last_error = outcome.as_ref().err().map(ToString::to_string);
        self.settings.save_pos_config()?;
        outcome.map(|()| report)
    }

    async fn steps(&mut self, report: &mut Report) -> Result<(), CycleError> {
        // The device id is on disk before the hub first hears of it, so every command sends the
        // same one.
        let device_id = self.settings.ensure_device_id()?;
        self.resume_receipt_numbers().await?;
        // Queue first: whatever happens to the hub or to this process, the sales are on disk.
        let leftovers = self.outbox.queued()?;
        for sale in self.local.pending_sales().await? {
            self.outbox.spool(&sale)?;
            self.local
                .set_sale_state(&sale.id, sale.revision, local::SPOOLED)
                .await?;
            report.spooled += 1;
        }
        self.drop_held(&leftovers).await?;
        self.send_queue(report).await?;
        self.send_customers(report).await?;
        // After the sales: a shift's close counts the sales the hub holds.
        self.send_shift_events(report).await?;
        self.pull_master(report).await?;
        self.pull_stock(report).await?;
        report.queued = self.outbox.queued_count()?;
        let now = Utc::now();
        let oldest_queued_age_secs = self
            .outbox
            .oldest_queued_ms()?
            .map(|made_ms| (now.timestamp_millis() - made_ms).max(0) / 1000);
        self.hub
            .heartbeat(&HeartbeatRequest {
                device_id: &device_id,
                agent_version: env!("CARGO_PKG_VERSION"),
                queued_backlog: Some(report.queued),
                oldest_queued_age_secs,
                rejected_files: Some(self.outbox.rejected_count()?),
                master_cursor: self.settings.pos.master_cursor,
                stock_cursor: self.settings.pos.stock_cursor,
                clock: Some(now),
            })
            .await?;
        Ok(())
    }

    /// Sends the customers made or edited at the till, oldest first. An edit of a customer that
    /// changed at the hub meanwhile is set aside as a conflict, and the hub's record replaces
    /// the local one, for the cashier to merge; one the hub refuses for good is set aside too.
    async fn send_customers(&mut self, report: &mut Report) -> Result<(), CycleError> {
        for change in self.local.customer_changes().await? {
            if change.sync_state != local::PENDING {
                continue;
            }
            let body: Value = serde_json::from_str(&change.body).unwrap_or_default();
            match self
                .hub
                .send_customer(&change.customer_id, change.seen_version, &body)
                .await
            {
                Ok(saved) => {
                    self.local
                        .put_object("customer", &change.customer_id, &saved)
                        .await?;
                    self.local
                        .set_customer_state(change.seq, local::SENT, None)
                        .await?;
                    report.customers_sent += 1;
                }
                Err(HubError::Refused { status, body }) if status == 409 || status == 422 => {
                    let problem: Value = serde_json::from_str(&body).unwrap_or_default();
                    let state = if problem["type"] == "/problems/stale-version" {
                        self.local
                            .put_object("customer", &change.customer_id, &problem["current"])
                            .await?;
                        report.customer_conflicts += 1;
                        local::CONFLICT
                    } else {
                        local::REJECTED
                    };
                    tracing::warn!(customer_id = %change.customer_id, %body, "the hub did not take a customer change");
                    self.local
                        .set_customer_state(change.seq, state, Some(body))
                        .await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// Sends the steps of the till's shifts in the order they happened. One the hub refuses for
    /// good (409, 422, or 404 for a shift whose opening it refused) is set aside.
    async fn send_shift_events(&mut self, report: &mut Report) -> Result<(), CycleError> {
        for event in self.local.pending_shift_events().await? {
            let body: Value = serde_json::from_str(&event.body).unwrap_or_default();
            match self
                .hub
                .send_shift_event(&event.shift_id, &event.kind, &body)
                .await
            {
                Ok(_) => {
                    self.local
                        .set_shift_event_state(event.seq, local::SENT, None)
                        .await?;
                    report.shift_events_sent += 1;
                }
                Err(HubError::Refused {
                    status: 404 | 409 | 422,
                    body,
                }) => {
                    tracing::warn!(shift_id = %event.shift_id, kind = %event.kind, %body, "the hub did not take a shift's step");
                    self.local
                        .set_shift_event_state(event.seq, local::REJECTED, Some(body))
                        .await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// Moves the warnings and errors logged so far to the local database, then uploads them,
    /// oldest first. A batch the hub refuses for good (422: over the day's limit) is dropped.
    async fn ship_logs(&mut self) -> Result<(), CycleError> {
        self.local.keep_log_lines(&logbook::take_caught()).await?;
        loop {
            let kept = self.local.kept_log_lines(LOG_BATCH).await?;
            let Some(last) = kept.last().map(|line| line.id) else {
                return Ok(());
            };
            let lines: Vec<Value> = kept
                .iter()
                .map(|line| {
                    serde_json::json!({
                        "level": line.level, "at": line.at,
                        "component": line.component, "message": line.message,
                    })
                })
                .collect();
            match self.hub.upload_logs(&lines).await {
                Ok(()) | Err(HubError::Refused { status: 422, .. }) => {
                    self.local.drop_log_lines(last).await?;
                }
                Err(err) => return Err(err.into()),
            }
            if (kept.len() as u64) < LOG_BATCH {
                return Ok(());
            }
        }
    }

    /// A terminal installed afresh (no receipt numbered yet) continues the numbering the hub
    /// holds of it, so a reinstall neither repeats nor restarts its receipts.
    async fn resume_receipt_numbers(&mut self) -> Result<(), CycleError> {
        if self.local.has_receipt_counters().await? {
            return Ok(());
        }
        for counter in self.hub.receipt_counters().await? {
            self.local
                .raise_receipt_number(&counter.series, counter.last_number)
                .await?;
        }
        // Asked once: a till that has not sold yet does not ask again every cycle.
        self.local.start_receipt_series(RECEIPT_SERIES).await?;
        Ok(())
    }

    /// Files left from an earlier run may have reached the hub just before a crash: drop those
    /// the hub holds (in this revision or a later one) without sending them again.
    async fn drop_held(&mut self, leftovers: &[Queued]) -> Result<(), CycleError> {
        for chunk in leftovers.chunks(5000) {
            let ids: Vec<String> = chunk.iter().map(|q| q.id.clone()).collect();
            let held = self.hub.held(&ids).await?;
            for queued in chunk {
                if held
                    .iter()
                    .any(|h| h.id == queued.id && h.revision >= queued.revision)
                {
                    self.settle(queued, local::SENT).await?;
                }
            }
        }
        Ok(())
    }

    async fn send_queue(&mut self, report: &mut Report) -> Result<(), CycleError> {
        let queued = self.outbox.queued()?;
        for chunk in queued.chunks(BATCH) {
            let bodies: Vec<Value> = chunk.iter().map(|q| q.body.clone()).collect();
            let answer = self.hub.post_transactions(&bodies).await?;
            for result in answer.results {
                let Some(queued) = chunk.get(result.index) else {
                    continue;
                };
                let state = match (result.result.as_str(), result.retryable) {
                    ("accepted", _) => {
                        report.accepted += 1;
                        local::SENT
                    }
                    ("duplicate", _) => {
                        report.duplicates += 1;
                        local::SENT
                    }
                    ("rejected", true) => {
                        report.kept += 1;
                        continue;
                    }
                    _ => {
                        report.rejected += 1;
                        let reason = serde_json::json!({
                            "result": result.result,
                            "reasons": result.reasons,
                            "detail": result.detail,
                        });
                        tracing::warn!(id = %queued.id, %reason, "the hub will not take a transaction");
                        self.local
                            .set_sale_state(&queued.id, queued.revision, local::REJECTED)
                            .await?;
                        self.outbox.reject(queued, &format!("{reason:#}"))?;
                        continue;
                    }
                };
                self.settle(queued, state).await?;
            }
        }
        if !queued.is_empty() {
            self.settings.pos.last_out_synced_date =
                LocalTime::now().format("%Y-%m-%d %H:%M:%S").to_string();
            self.settings.save_pos_config()?;
        }
        Ok(())
    }

    /// Records a queued transaction's final state, then drops its file: killed in between, the
    /// file is still there and the next cycle finds it held by the hub.
    async fn settle(&mut self, queued: &Queued, state: &str) -> Result<(), CycleError> {
        self.local
            .set_sale_state(&queued.id, queued.revision, state)
            .await?;
        self.outbox.remove(queued)?;
        Ok(())
    }

    async fn pull_master(&mut self, report: &mut Report) -> Result<(), CycleError> {
        loop {
            let cursor = self.settings.pos.master_cursor.unwrap_or(0);
            let page = self.hub.pull_master(cursor, PAGE).await?;
            self.local.apply_changes(&page.changes).await?;
            report.master_changes += page.changes.len();
            // Saved after the page is stored: a crash in between pulls the page again.
            self.settings.pos.master_cursor = Some(page.next_cursor);
            self.settings.save_pos_config()?;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    async fn pull_stock(&mut self, report: &mut Report) -> Result<(), CycleError> {
        loop {
            let pos = &self.settings.pos;
            let page = self
                .hub
                .pull_stock(
                    pos.stock_cursor,
                    &pos.last_in_synced_inventory_update_date_time,
                    PAGE,
                )
                .await?;
            self.local.apply_levels(&page.levels).await?;
            report.stock_levels += page.levels.len();
            self.settings.pos.stock_cursor = Some(page.next_cursor);
            let now = Utc::now();
            // The seed's format, with four fractional digits: `2026-11-23T 08:00:00.1234Z`.
            self.settings.pos.last_in_synced_inventory_update_date_time = format!(
                "{}.{:04}Z",
                now.format("%Y-%m-%dT %H:%M:%S"),
                now.timestamp_subsec_micros() / 100
            );
            self.settings.save_pos_config()?;
            if !page.has_more {
                return Ok(());
            }
        }
    }
}
