//! The socket's commands, each mapped to what the hub already does for the terminal's branch,
//! and what each costs of the socket budget (seed 003's costs).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    AppState,
    auth::caller::TerminalCaller,
    catalog,
    error::{ApiError, DomainError},
    pagination::PageRequest,
    registry,
    sales::{ingest, queries},
    scope::BranchScope,
    sync::master,
};

/// Every command and its cost, as README lists them.
const COSTS: [(&str, u32); 8] = [
    ("version", 50),
    ("getconfig", 25),
    ("listproducts", 25),
    ("listpm", 20),
    ("getstatus", 15),
    ("registerdevice", 10),
    ("listtransactions", 2),
    ("payitems", 1),
];

/// Most objects or transactions one answer holds.
const MAX_LIMIT: u64 = 5_000;

/// What `command` costs; `None` when there is no such command.
pub fn cost(command: &str) -> Option<u32> {
    COSTS
        .iter()
        .find(|(name, _)| *name == command)
        .map(|(_, cost)| *cost)
}

/// Paging of the master views: `Limit` objects after the id `After`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ViewPage {
    limit: Option<u64>,
    after: Option<String>,
}

fn parameters<T: for<'de> Deserialize<'de>>(parameters: Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(parameters))
        .map_err(|e| ApiError::Unprocessable(format!("the parameters do not fit: {e}")))
}

fn limit(limit: Option<u64>, default: u64) -> Result<u64, ApiError> {
    match limit.unwrap_or(default) {
        limit @ 1..=MAX_LIMIT => Ok(limit),
        _ => {
            Err(DomainError::invalid("Limit", format!("must be between 1 and {MAX_LIMIT}")).into())
        }
    }
}

pub async fn run(
    state: &AppState,
    terminal: TerminalCaller,
    command: &str,
    parameters: Map<String, Value>,
) -> Result<Value, ApiError> {
    let branch_id = terminal.branch_id;
    match command {
        "version" => Ok(json!({ "Version": env!("CARGO_PKG_VERSION") })),
        "getstatus" => Ok(json!({
            "status": "success",
            "message": "the hub is serving",
            "master": state.heads.master(branch_id),
            "stock": state.heads.stock(branch_id),
            "listening": state.heads.is_healthy(),
        })),
        "getconfig" => {
            view(
                state,
                branch_id,
                catalog::settings::KIND,
                "Config",
                parameters,
            )
            .await
        }
        "listpm" => {
            view(
                state,
                branch_id,
                catalog::payment_methods::KIND,
                "PaymentMethods",
                parameters,
            )
            .await
        }
        "listproducts" => {
            view(
                state,
                branch_id,
                catalog::items::KIND,
                "Products",
                parameters,
            )
            .await
        }
        "registerdevice" => register_device(state, terminal, parameters).await,
        "listtransactions" => list_transactions(state, branch_id, parameters).await,
        "payitems" => pay_items(state, terminal, parameters).await,
        other => Err(ApiError::UnknownCommand(other.into())),
    }
}

/// A page of the objects of `kind` as the branch's terminals hold them.
async fn view(
    state: &AppState,
    branch_id: uuid::Uuid,
    kind: &str,
    field: &str,
    parameters: Map<String, Value>,
) -> Result<Value, ApiError> {
    let page: ViewPage = self::parameters(parameters)?;
    let limit = limit(page.limit, 500)?;
    let page =
        master::current_objects(&state.db, branch_id, kind, page.after.as_deref(), limit).await?;
    let objects: Vec<&serde_json::value::RawValue> =
        page.objects.iter().map(|(_, data)| data.as_ref()).collect();
    let mut answer = json!({ "Count": objects.len(), "Next": page.next });
    answer[field] = serde_json::to_value(objects)
        .map_err(|e| DomainError::internal("cannot write the objects", e))?;
    Ok(answer)
}

/// The heartbeat: `UUID` is the device id, the other parameters are the heartbeat's fields.
async fn register_device(
    state: &AppState,
    terminal: TerminalCaller,
    mut parameters: Map<String, Value>,
) -> Result<Value, ApiError> {
    if let Some(device) = parameters.remove("UUID") {
        parameters.insert("device_id".into(), device);
    }
    let report: super::super::sync::HeartbeatRequest = self::parameters(parameters)?;
    let recorded =
        registry::record_heartbeat(&state.db, terminal.terminal_id, report.into()).await?;
    Ok(json!({ "server_time": recorded.last_seen_at }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct TransactionsPage {
    limit: Option<u64>,
}

/// The branch's newest transactions.
async fn list_transactions(
    state: &AppState,
    branch_id: uuid::Uuid,
    parameters: Map<String, Value>,
) -> Result<Value, ApiError> {
    let page: TransactionsPage = self::parameters(parameters)?;
    let page = PageRequest {
        limit: limit(page.limit, 50)?,
        offset: 0,
    };
    let scope = BranchScope::one(branch_id);
    let found = queries::list_transactions(&state.db, &scope, Default::default(), page).await?;
    Ok(json!({
        "Count": found.items.len(),
        "Total": found.total,
        "Transactions": found.items,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PayItems {
    /// One transaction, as in a batch.
    transaction: Value,
}

/// One sale, exactly once by its id, by the batch endpoint's rules.
async fn pay_items(
    state: &AppState,
    terminal: TerminalCaller,
    parameters: Map<String, Value>,
) -> Result<Value, ApiError> {
    let sale: PayItems = self::parameters(parameters)?;
    let raw = serde_json::value::to_raw_value(&sale.transaction)
        .map_err(|e| DomainError::internal("cannot read the transaction", e))?;
    let submitted = super::super::transactions::submitted(&raw);
    let mut results = state
        .heads
        .announcing(ingest::ingest_batch(
            &state.db,
            terminal.terminal_id,
            terminal.branch_id,
            vec![submitted],
        ))
        .await?;
    state
        .metrics
        .ingested(results.iter().map(|r| r.result.as_str()));
    let result = results
        .pop()
        .ok_or_else(|| DomainError::internal("ingest", "no result for the sale"))?;
    Ok(json!({ "result": result }))
}
