//! The sales journal through the public interface: hashes handed to terminals, the chain an
//! auditor can recompute alone, and verification naming what was changed behind the hub's back.

use entity::{Fixed4, journal_entry, sales_line, sales_payment, sales_transaction};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::sales::{Chain, Till, dec, transaction, void};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A branch with a till, a cashier and an item, and `count` sales made there; the sales and
/// their results.
async fn branch_with_sales(
    chain: &Chain,
    code: &str,
    count: usize,
) -> (Till, Vec<Value>, Vec<Value>) {
    let branch = chain.branch(code, "retail").await;
    let till = chain.till(&branch, "Till 1").await;
    let cashier = chain.cashier(&format!("{code}-CASHIER"), &[&branch]).await;
    let item = chain.item(&format!("{code}-TEA"), "4.5").await;
    let (mut sales, mut results) = (Vec::new(), Vec::new());
    for n in 1..=count {
        let sale = transaction(
            "sale",
            &cashier,
            &chain.cash,
            &[(&item, &n.to_string(), "4.5")],
        );
        results.push(chain.post_one(&till, &sale).await);
        sales.push(sale);
    }
    (till, sales, results)
}

async fn journal_of(chain: &Chain, branch_id: &str) -> Vec<Value> {
    let answer = chain
        .app
        .get(
            &format!("/api/v1/branches/{branch_id}/journal?limit=500"),
            &chain.admin,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["items"].as_array().unwrap().clone()
}

async fn verify(chain: &Chain, branch_id: &str) -> Value {
    let answer = chain
        .app
        .get(
            &format!("/api/v1/branches/{branch_id}/journal/verify"),
            &chain.admin,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// What an auditor does with an export: each hash is SHA-256 of the previous hash and the
/// record, from 64 zeros on.
fn recompute(entries: &[Value]) -> Result<(), String> {
    let mut prev = GENESIS.to_string();
    for (n, entry) in entries.iter().enumerate() {
        let record = entry["record"].as_str().unwrap();
        let hash = hex::encode(Sha256::digest(format!("{prev}{record}").as_bytes()));
        if entry["seq"] != n as i64 + 1
            || entry["prev_hash"] != prev.as_str()
            || entry["hash"] != hash.as_str()
        {
            return Err(format!("entry {n}: {entry}"));
        }
        prev = hash;
    }
    Ok(())
}

#[tokio::test]
async fn accepted_sales_are_chained_in_the_branchs_journal_and_verify() {
    let chain = Chain::new().await;
    let (till, sales, results) = branch_with_sales(&chain, "J", 3).await;
    let cashier = chain.cashier("J-VOIDER", &[&till.branch_id]).await;
    let voided = chain
        .post_one(&till, &void(&cashier, &results[0]["id"]))
        .await;
    assert_eq!(voided["result"], "accepted", "{voided}");

    let entries = journal_of(&chain, &till.branch_id).await;
    assert_eq!(entries.len(), 4);
    recompute(&entries).unwrap();
    for (result, entry) in results.iter().chain([&voided]).zip(&entries) {
        assert_eq!(
            result["journal_hash"], entry["hash"],
            "the terminal is told the hash"
        );
        assert_eq!(result["transaction_id"], entry["transaction_id"]);
        let transaction = chain.transaction(&result["transaction_id"]).await;
        let record: Value = serde_json::from_str(entry["record"].as_str().unwrap()).unwrap();
        assert_eq!(
            dec(record["total"].as_str().unwrap()),
            dec(transaction["total"].as_str().unwrap())
        );
        assert_eq!(record["receipt_number"], transaction["receipt_number"]);
    }
    let record = entries[1]["record"].as_str().unwrap();
    assert!(
        record.starts_with(r#"{"branch_id":""#) && !record.contains(' '),
        "keys in byte order, no whitespace: {record}"
    );

    // A resend changes nothing.
    let resent = chain.post_one(&till, &sales[0]).await;
    assert_eq!(resent["result"], "duplicate");
    assert_eq!(journal_of(&chain, &till.branch_id).await.len(), 4);
    let verified = verify(&chain, &till.branch_id).await;
    assert_eq!(verified["intact"], true, "{verified}");
    assert_eq!(verified["entries_checked"], 4);
    assert_eq!(verified["last_hash"], entries[3]["hash"]);
    let range = chain
        .app
        .get(
            &format!(
                "/api/v1/branches/{}/journal/verify?from_seq=2&to_seq=3",
                till.branch_id
            ),
            &chain.admin,
        )
        .await;
    assert_eq!(range.body["entries_checked"], 2, "{}", range.body);
    assert_eq!(range.body["last_hash"], entries[2]["hash"]);
    let backwards = chain
        .app
        .get(
            &format!(
                "/api/v1/branches/{}/journal/verify?from_seq=3&to_seq=2",
                till.branch_id
            ),
            &chain.admin,
        )
        .await;
    backwards.assert_problem_type(StatusCode::UNPROCESSABLE_ENTITY, "invalid-fields");

    // Another branch's terminal finds no such branch.
    let (other, _, _) = branch_with_sales(&chain, "K", 0).await;
    let refused = chain
        .app
        .get(
            &format!("/api/v1/branches/{}/journal", till.branch_id),
            &other.token,
        )
        .await;
    refused.assert_problem_type(StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn a_change_behind_the_hubs_back_is_named() {
    let chain = Chain::new().await;
    let db = Database::connect(&chain.app.database.url).await.unwrap();

    // A total changed in the database.
    let (till, _, results) = branch_with_sales(&chain, "T", 3).await;
    let changed: Uuid = results[1]["transaction_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    sales_transaction::Entity::update_many()
        .col_expr(sales_transaction::Column::Total, Expr::value(Fixed4(1)))
        .filter(sales_transaction::Column::Id.eq(changed))
        .exec(&db)
        .await
        .unwrap();
    let verified = verify(&chain, &till.branch_id).await;
    assert_eq!(verified["intact"], false);
    assert_eq!(verified["entries_checked"], 1);
    assert_eq!(verified["first_break"]["seq"], 2);
    assert_eq!(
        verified["first_break"]["transaction_id"],
        changed.to_string()
    );
    assert_eq!(
        verified["first_break"]["problem"],
        "the transaction differs from its journal record"
    );

    // A sale deleted with its lines and payments.
    let (till, _, results) = branch_with_sales(&chain, "D", 3).await;
    let deleted: Uuid = results[0]["transaction_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    sales_line::Entity::delete_many()
        .filter(sales_line::Column::SalesTransactionId.eq(deleted))
        .exec(&db)
        .await
        .unwrap();
    sales_payment::Entity::delete_many()
        .filter(sales_payment::Column::SalesTransactionId.eq(deleted))
        .exec(&db)
        .await
        .unwrap();
    // Its stock movements name it as their document only, so it can go.
    sales_transaction::Entity::delete_by_id(deleted)
        .exec(&db)
        .await
        .unwrap();
    let verified = verify(&chain, &till.branch_id).await;
    assert_eq!(verified["first_break"]["seq"], 1);
    assert_eq!(
        verified["first_break"]["transaction_id"],
        deleted.to_string()
    );
    assert_eq!(
        verified["first_break"]["problem"],
        "the transaction is missing"
    );

    // An entry deleted from the middle, then the last one.
    let (till, _, _) = branch_with_sales(&chain, "E", 3).await;
    let branch: Uuid = till.branch_id.parse().unwrap();
    journal_entry::Entity::delete_by_id((branch, 2))
        .exec(&db)
        .await
        .unwrap();
    let verified = verify(&chain, &till.branch_id).await;
    assert_eq!(verified["first_break"]["seq"], 2);
    assert_eq!(
        verified["first_break"]["problem"],
        "entries 2 to 2 are missing"
    );
    journal_entry::Entity::delete_many()
        .filter(journal_entry::Column::BranchId.eq(branch))
        .filter(journal_entry::Column::Seq.gte(2))
        .exec(&db)
        .await
        .unwrap();
    let verified = verify(&chain, &till.branch_id).await;
    assert_eq!(verified["intact"], false, "{verified}");
    assert_eq!(verified["entries_checked"], 1);
    assert_eq!(verified["first_break"]["seq"], 2);
}

#[tokio::test]
async fn concurrent_batches_leave_one_unbroken_chain_in_commit_order() {
    let chain = Chain::new().await;
    let branch = chain.branch("C", "retail").await;
    let cashier = chain.cashier("C-CASHIER", &[&branch]).await;
    let item = chain.item("C-TEA", "2").await;
    let tills = [
        chain.till(&branch, "Till 1").await,
        chain.till(&branch, "Till 2").await,
        chain.till(&branch, "Till 3").await,
    ];
    let posts = tills.iter().map(|till| {
        let batch: Vec<Value> = (0..10)
            .map(|_| transaction("sale", &cashier, &chain.cash, &[(&item, "1", "2")]))
            .collect();
        let chain = &chain;
        async move { chain.post(till, &batch).await }
    });
    let results: Vec<Value> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(results.iter().all(|r| r["result"] == "accepted"));

    let entries = journal_of(&chain, &branch).await;
    assert_eq!(entries.len(), 30);
    recompute(&entries).unwrap();
    let mut journaled: Vec<String> = entries
        .iter()
        .map(|e| e["transaction_id"].as_str().unwrap().to_string())
        .collect();
    journaled.sort();
    journaled.dedup();
    assert_eq!(journaled.len(), 30, "each sale once");
    // Each batch took the branch's lock whole: its ten sales are consecutive entries.
    for till_results in results.chunks(10) {
        let seqs: Vec<i64> = till_results
            .iter()
            .map(|r| {
                entries
                    .iter()
                    .find(|e| e["transaction_id"] == r["transaction_id"])
                    .unwrap()["seq"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    }
    assert_eq!(verify(&chain, &branch).await["intact"], true);
}
