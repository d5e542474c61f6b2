//! Integrations: outbound subscriptions (how far behind, failing, paused) with pause, resume and
//! replay; sales channels with their push jobs and each job's runs.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConsoleError,
    action::act,
    input,
    layout::{self, Section},
    session::{NoFields, Operator, Posted},
};
use crate::{
    AppState, channels,
    console::ClientRole,
    error::DomainError,
    http::listing::ListRequest,
    outbound::{self, ReplayFrom},
    pagination::PageRequest,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/integrations", web::get().to(integrations_page))
        .route(
            "/integrations/subscriptions/{id}/pause",
            web::post().to(pause),
        )
        .route(
            "/integrations/subscriptions/{id}/resume",
            web::post().to(resume),
        )
        .route(
            "/integrations/subscriptions/{id}/replay",
            web::post().to(replay),
        )
        .route(
            "/integrations/channels/{id}/runs",
            web::get().to(channel_runs_page),
        );
}

/// Channels shown on the page (a chain runs a handful).
const CHANNELS_SHOWN: u64 = 100;

async fn integrations_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let channels = channels::list_channels(
        &state.db,
        PageRequest {
            limit: CHANNELS_SHOWN,
            offset: 0,
        },
    )
    .await?;
    let admin = operator.may(ClientRole::Admin);
    input::list_page(
        list,
        state,
        async |db, page| outbound::list_subscriptions(db, page).await,
        |subscriptions| {
            layout::page(
                &operator,
                "Integrations",
                Section::Integrations,
                html! {
                    h1 { "Integrations" }
                    h2 { "Outbound subscriptions" }
                    table #subscriptions {
                        thead { tr {
                            th { "Name" } th { "State" } th.num { "Behind" } th { "Failing" }
                            @if admin { th { "Actions" } }
                        } }
                        tbody {
                            @for s in &subscriptions.items {
                                @let base = format!("/console/integrations/subscriptions/{}", s.id);
                                tr {
                                    td { (s.name) br; small.muted { (s.url) } }
                                    td { (layout::word(&s.state)) @if let Some(reason) = &s.paused_reason { br; small.muted { (reason) } } }
                                    td.num {
                                        (s.head - s.cursor) " events"
                                        @if let Some(lag) = s.lag_secs { br; small.muted { (layout::span(lag)) } }
                                    }
                                    td {
                                        @if let Some(f) = &s.failing {
                                            span.badge.warn { (f.failed_attempts) " failed" }
                                            @if let Some(error) = &f.last_error { br; small { (error) } }
                                        } @else { span.badge.ok { "ok" } }
                                    }
                                    @if admin {
                                        td {
                                            @if layout::word(&s.state) == "paused" {
                                                (layout::action_button(&operator, &format!("{base}/resume"), "Resume", ""))
                                            } @else {
                                                (layout::action_button(&operator, &format!("{base}/pause"), "Pause", "secondary"))
                                            }
                                            form.inline method="post" action=(format!("{base}/replay")) {
                                                (layout::csrf_field(&operator))
                                                input type="datetime-local" name="from" required;
                                                button.secondary type="submit" { "Replay from" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (layout::pager(&req, &subscriptions))
                    h2 { "Sales channels" }
                    table #channels {
                        thead { tr { th { "Channel" } th { "Active" } th.num { "Mapped items" } th { "Push job" } th { "Next push" } } }
                        tbody {
                            @for c in &channels.items {
                                tr {
                                    td { a href=(format!("/console/integrations/channels/{}/runs", c.id)) { (c.name) } }
                                    td { (if c.active { "yes" } else { "no" }) }
                                    td.num { (c.mapped_items) }
                                    td {
                                        @match &c.push.schedule {
                                            Some(schedule) => { code { (schedule) } " " (if c.push.running { "running" } else { "stopped" }) }
                                            None => span.muted { "none" },
                                        }
                                    }
                                    td { (c.push.next_push_at.map_or("–".to_string(), layout::instant)) }
                                }
                            }
                        }
                    }
                },
            )
        },
    )
    .await
}

async fn channel_runs_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    channel_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let channel = channels::get_channel(&state.db, *channel_id).await?;
    let channel_id = channel.id;
    input::list_page(
        list,
        state,
        async move |db, page| channels::list_runs(db, channel_id, page).await,
        |runs| {
            layout::page(
                &operator,
                "Push runs",
                Section::Integrations,
                html! {
                    h1 { (channel.name) ": push runs" }
                    p { a href="/console/integrations" { "← Integrations" } }
                    table #runs {
                        thead { tr { th { "Started" } th { "Finished" } th { "Trigger" } th.num { "Items sent" } th { "Outcome" } } }
                        tbody {
                            @for run in &runs.items {
                                tr {
                                    td { (layout::instant(run.started_at)) }
                                    td { (run.finished_at.map_or("–".to_string(), layout::instant)) }
                                    td { (layout::word(&run.trigger)) }
                                    td.num { (run.items_sent) }
                                    td { (layout::word(&run.outcome)) @if let Some(e) = &run.error { br; small { (e) } } }
                                }
                            }
                        }
                    }
                    (layout::pager(&req, &runs))
                },
            )
        },
    )
    .await
}

async fn pause(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    subscription_action(&req, &state, &posted.operator, async |txn, actor| {
        outbound::pause_subscription(txn, actor, *id).await
    })
    .await
}

async fn resume(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    subscription_action(&req, &state, &posted.operator, async |txn, _| {
        outbound::resume_subscription(txn, *id).await
    })
    .await
}

#[derive(Deserialize)]
struct ReplayForm {
    /// `YYYY-MM-DDTHH:MM`, as a browser's datetime input sends it, in UTC.
    #[serde(default)]
    from: String,
}

async fn replay(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<ReplayForm>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let from = utc_from_form(&posted.form.from)?;
    subscription_action(&req, &state, &posted.operator, async |txn, _| {
        outbound::replay(txn, *id, ReplayFrom::Time(from)).await
    })
    .await
}

/// Subscription actions are an admin's, as in the API; back to the integrations page.
async fn subscription_action<T>(
    req: &HttpRequest,
    state: &AppState,
    operator: &Operator,
    work: impl AsyncFnOnce(&sea_orm::DatabaseTransaction, &str) -> Result<T, DomainError>,
) -> Result<HttpResponse, ConsoleError> {
    act(req, state, operator, ClientRole::Admin, work).await?;
    Ok(layout::see_other("/console/integrations"))
}

fn utc_from_form(text: &str) -> Result<DateTime<Utc>, DomainError> {
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map(|at| at.and_utc())
        .map_err(|_| {
            DomainError::invalid("from", "must be a date and time, YYYY-MM-DDTHH:MM (UTC)")
        })
}
