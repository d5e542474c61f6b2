-- pgbench script: what the hub writes to accept :sales five-line sales at one branch, in one
-- statement and one commit, on the hub's own tables: the branch's stream lock and sequence
-- numbers, the transactions with their journal entries, lines and payment, the level updates,
-- the ledger rows and the NOTIFY. Run with -D sales=1 (one sale a request) or -D sales=20 (a
-- batch), -D branches=N -D items=N over the ceiling_branch/ceiling_item tables that
-- bench/run.sh fills from a copy of the hub's database.
\set b random(1, :branches)
\set r random(0, 1000000000)
WITH branch AS (
  SELECT branch_id, terminal_id, staff_user_id, payment_method_id FROM ceiling_branch WHERE n = :b
),
-- First, so that writers of one branch queue here and never meet on a level row.
stream AS (
  UPDATE sequence_counter SET value = value + 5 * :sales
  WHERE stream = 'stock:' || (SELECT branch_id FROM branch)
  RETURNING value - 5 * :sales AS before
),
-- The chain's last hash, as the hub reads it. Its numbers come from the stream's, read under the
-- lock (this statement's snapshot predates the wait): above every earlier entry, never shared.
journal_head AS (
  SELECT coalesce(max(hash), '') AS hash FROM (
    SELECT hash FROM journal_entry WHERE branch_id = (SELECT branch_id FROM branch)
    ORDER BY seq DESC LIMIT 1) AS last
),
sale AS (
  SELECT s,
         (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
          || substr(md5(random()::text), 1, 20))::uuid AS id,
         gen_random_uuid() AS terminal_transaction_id
  FROM generate_series(1, :sales) AS s
),
line AS (
  SELECT sale.s, sale.id AS sale_id, l AS line_no, item.item_id, (sale.s - 1) * 5 + l AS k
  FROM sale CROSS JOIN generate_series(1, 5) AS l
  JOIN ceiling_item AS item ON item.n = (:r + sale.s * 104729 + l * 7919) % :items + 1
),
moved AS (
  SELECT item_id, count(*) AS units, max(k) AS last_k FROM line GROUP BY item_id
),
transactions AS (
  INSERT INTO sales_transaction (id, branch_id, terminal_id, terminal_transaction_id,
    receipt_number, kind, status, revision, occurred_at, utc_offset_minutes, business_date,
    staff_user_id, tax_inclusive, subtotal, discount_total, tax_total, total, content_hash,
    received_at, updated_at, settled_at, journal_hash)
  SELECT sale.id, branch.branch_id, branch.terminal_id, sale.terminal_transaction_id,
    'C-' || sale.terminal_transaction_id, 'sale', 'settled', 1, now(), 0, current_date,
    branch.staff_user_id, true, 50000, 0, 5357, 50000, md5(sale.id::text) || md5(sale.id::text),
    now(), now(), now(), md5(sale.s::text) || md5(sale.id::text)
  FROM sale, branch
),
journal AS (
  INSERT INTO journal_entry (branch_id, seq, transaction_id, record, prev_hash, hash, recorded_at)
  SELECT branch.branch_id, (SELECT before FROM stream) + 5 * sale.s, sale.id,
    repeat(md5(sale.id::text), 20), journal_head.hash,
    md5(sale.id::text) || md5(sale.s::text), now()
  FROM sale, branch, journal_head
),
lines AS (
  INSERT INTO sales_line (sales_transaction_id, line_no, item_id, quantity, unit_price, discount,
    tax, line_total)
  SELECT sale_id, line_no, item_id, 10000, 100000, 0, 10714, 100000 FROM line
),
payment AS (
  INSERT INTO sales_payment (sales_transaction_id, line_no, payment_method_id, amount)
  SELECT sale.id, 1, branch.payment_method_id, 500000 FROM sale, branch
),
levels AS (
  UPDATE stock_level SET on_hand = on_hand - moved.units * 10000,
    seq = (SELECT before FROM stream) + moved.last_k, updated_at = now()
  FROM moved
  WHERE stock_level.branch_id = (SELECT branch_id FROM branch)
    AND stock_level.item_id = moved.item_id
  RETURNING stock_level.item_id, stock_level.on_hand
),
ledger AS (
  INSERT INTO stock_movement (id, branch_id, item_id, seq, delta, balance_after, reason,
    document_type, document_id, line_no, actor, created_at)
  SELECT gen_random_uuid(), branch.branch_id, line.item_id, (SELECT before FROM stream) + line.k,
    -10000, levels.on_hand, 'sale', 'sales_transaction', line.sale_id, line.line_no,
    'terminal:' || branch.terminal_id, now()
  FROM line JOIN levels USING (item_id), branch
)
SELECT pg_notify('hubshake_heads',
  'stock:' || (SELECT branch_id FROM branch) || '=' || ((SELECT before FROM stream) + 5 * :sales));
