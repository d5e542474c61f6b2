//! Online sales in a branch's daily figures: what the branch shipped for channels' orders, and
//! what came back, on its own line (never mixed into the tills' sales).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::{
    Fixed4, channel_allocation, channel_allocation::AllocationState, channel_order,
    channel_order_line,
};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    decimal::{from_fixed4, to_fixed4},
    error::DomainError,
    inventory::ledger::ROWS_PER_INSERT,
};

/// A branch's online sales on one business day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OnlineDay {
    /// Orders the branch shipped (a part of) that day.
    pub orders_shipped: i64,
    /// Quantity × unit price of what it shipped.
    pub shipped: Fixed4,
    /// Of what it had shipped, what came back that day.
    pub returned: Fixed4,
}

/// The online line of a daily summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineTotals {
    pub orders_shipped: i64,
    #[schema(value_type = String)]
    pub shipped: Decimal,
    #[schema(value_type = String)]
    pub returned: Decimal,
    /// Shipped minus returned.
    #[schema(value_type = String)]
    pub net: Decimal,
}

impl From<OnlineDay> for OnlineTotals {
    fn from(day: OnlineDay) -> Self {
        Self {
            orders_shipped: day.orders_shipped,
            shipped: from_fixed4(day.shipped),
            returned: from_fixed4(day.returned),
            net: from_fixed4(day.shipped - day.returned),
        }
    }
}

/// The branch's online sales per business day (in its time zone) from `from` to `to`.
pub async fn online_days<C: ConnectionTrait>(
    db: &C,
    branch_id: Uuid,
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, OnlineDay>, DomainError> {
    // The UTC instants of the first and the day after the last business day.
    let start_of = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(start), Some(end)) = (
        start_of(from),
        to.checked_add_days(Days::new(1)).and_then(start_of),
    ) else {
        return Ok(BTreeMap::new());
    };
    let business_date = |at: chrono::DateTime<Utc>| at.with_timezone(&zone).date_naive();
    let shipped = channel_allocation::Entity::find()
        .filter(channel_allocation::Column::BranchId.eq(branch_id))
        .filter(
            channel_allocation::Column::State
                .is_in([AllocationState::Fulfilled, AllocationState::Returned]),
        )
        .filter(channel_allocation::Column::FulfilledAt.gte(start))
        .filter(channel_allocation::Column::FulfilledAt.lt(end))
        .all(db)
        .await?;
    let returned_orders = channel_order::Entity::find()
        .filter(channel_order::Column::ReturnedAt.gte(start))
        .filter(channel_order::Column::ReturnedAt.lt(end))
        .all(db)
        .await?;
    let returned_at: HashMap<Uuid, chrono::DateTime<Utc>> = returned_orders
        .iter()
        .filter_map(|o| o.returned_at.map(|at| (o.id, at)))
        .collect();
    let returned = channel_allocation::Entity::find()
        .filter(channel_allocation::Column::BranchId.eq(branch_id))
        .filter(channel_allocation::Column::State.eq(AllocationState::Returned))
        .filter(channel_allocation::Column::OrderId.is_in(returned_at.keys().copied()))
        .all(db)
        .await?;
    let order_ids: HashSet<Uuid> = shipped
        .iter()
        .chain(&returned)
        .map(|a| a.order_id)
        .collect();
    let order_ids: Vec<Uuid> = order_ids.into_iter().collect();
    let mut prices: HashMap<(Uuid, i32), Fixed4> = HashMap::new();
    for chunk in order_ids.chunks(ROWS_PER_INSERT) {
        for line in channel_order_line::Entity::find()
            .filter(channel_order_line::Column::OrderId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            prices.insert((line.order_id, line.line_no), line.unit_price);
        }
    }
    let value = |a: &channel_allocation::Model| -> Result<Fixed4, DomainError> {
        let price = prices
            .get(&(a.order_id, a.line_no))
            .copied()
            .unwrap_or_default();
        let amount = (from_fixed4(a.quantity) * from_fixed4(price)).round_dp(4);
        to_fixed4(amount).map_err(|why| DomainError::internal("an online sale's value", why))
    };
    let mut days: BTreeMap<NaiveDate, OnlineDay> = BTreeMap::new();
    let mut counted: HashSet<(NaiveDate, Uuid)> = HashSet::new();
    for allocation in &shipped {
        let Some(at) = allocation.fulfilled_at else {
            continue;
        };
        let date = business_date(at);
        let day = days.entry(date).or_default();
        day.shipped += value(allocation)?;
        if counted.insert((date, allocation.order_id)) {
            day.orders_shipped += 1;
        }
    }
    for allocation in &returned {
        if let Some(at) = returned_at.get(&allocation.order_id) {
            days.entry(business_date(*at)).or_default().returned += value(allocation)?;
        }
    }
    Ok(days)
}
