-- The server's database: the catalog and its change sequence, the malls, behaviour events and
-- conversions, the malls' keys and profiles, accounts and their lists. `db::open` runs this on
-- every start (every statement is IF NOT EXISTS) and records SCHEMA_VERSION in user_version.

-- The catalog
CREATE TABLE IF NOT EXISTS malls (
    id    TEXT PRIMARY KEY,
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stats (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id    TEXT PRIMARY KEY,  -- the device's id: a batch sent twice counts once
    install_id  TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    product_id  TEXT,
    mall_id     TEXT,
    dwell_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS events_by_mall ON events (mall_id, at_ms);
CREATE TABLE IF NOT EXISTS conversions (
    mall_id     TEXT NOT NULL,
    outlink_id  TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (mall_id, outlink_id)
);
CREATE TABLE IF NOT EXISTS mall_keys (
    key_hash    TEXT PRIMARY KEY,  -- SHA-256 of a mall's key (version 2): a leaked file opens no stats
    mall_id     TEXT NOT NULL
);
-- The installs the server registered (version 2): events count only with the install's key.
CREATE TABLE IF NOT EXISTS installs (
    install_id  TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL,     -- SHA-256 of the key the device keeps
    created_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id       TEXT PRIMARY KEY,
    mall_id  TEXT NOT NULL,
    body     TEXT,              -- NULL: deleted (a tombstone the change feed still reports)
    seq      INTEGER NOT NULL UNIQUE
);
-- Search over the whole catalog (version 4, issue #23): every listed product's words, found
-- by substring through a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL; `search.rs`).
CREATE TABLE IF NOT EXISTS product_words (
    product_id  TEXT PRIMARY KEY,
    in_stock    INTEGER NOT NULL,
    popularity  INTEGER NOT NULL,  -- the product's popularity × 1000, the order of the results
    words       TEXT NOT NULL      -- title, brand, category (both languages), colours; lowercased
);
-- Working sets (version 3, issue #23): per segment of shoppers, the products a phone of that
-- segment holds; each product entering or leaving a shelf takes a number in the change sequence.
CREATE TABLE IF NOT EXISTS shelf_items (
    shelf       TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    PRIMARY KEY (shelf, product_id)
);
CREATE TABLE IF NOT EXISTS shelf_moves (
    seq         INTEGER NOT NULL UNIQUE,
    shelf       TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    entered     INTEGER NOT NULL  -- 1: entered the shelf, 0: left it
);
CREATE INDEX IF NOT EXISTS shelf_moves_by_shelf ON shelf_moves (shelf, seq);
-- What comes after each shelf, best first (version 5): a device whose "for you" runs out reads
-- the next ranks. Replaced whole at every refresh.
CREATE TABLE IF NOT EXISTS shelf_reserve (
    shelf       TEXT NOT NULL,
    rank        INTEGER NOT NULL,
    product_id  TEXT NOT NULL,
    PRIMARY KEY (shelf, rank)
);
CREATE INDEX IF NOT EXISTS shelf_moves_by_product ON shelf_moves (shelf, product_id, seq);

-- Accounts, sessions and the lists kept for them
CREATE TABLE IF NOT EXISTS accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    salt          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,  -- SHA-256 of the token: a leaked database holds no usable token
    account_id  TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL
);
-- "Sign out everywhere" and the purge of expired sessions (version 2).
CREATE INDEX IF NOT EXISTS sessions_by_account ON sessions (account_id);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_ms);
CREATE TABLE IF NOT EXISTS account_items (
    account_id    TEXT NOT NULL,
    list          TEXT NOT NULL,
    target        TEXT NOT NULL,
    present       INTEGER NOT NULL,  -- 0: removed (kept, so that an older add cannot win)
    at_ms         INTEGER NOT NULL,
    op_id         TEXT NOT NULL,
    variant_id    TEXT,
    snapshot      TEXT,
    price_at_add  INTEGER,
    PRIMARY KEY (account_id, list, target)
);
CREATE TABLE IF NOT EXISTS account_ops (
    account_id  TEXT NOT NULL,
    op_id       TEXT NOT NULL,
    PRIMARY KEY (account_id, op_id)
);

-- The malls' registry (how each mall's feed is read)
CREATE TABLE IF NOT EXISTS mall_profiles (
    id    TEXT PRIMARY KEY,
    body  TEXT NOT NULL
);

-- Orders across malls (version 6, issue #21). Moa keeps an order only when it came from one of
-- its click-outs, and only for the install that made it: the device registers each click-out's
-- id and mall (not the product, not the shopper); a mall reports orders against that id.
CREATE TABLE IF NOT EXISTS outlinks (
    outlink_id  TEXT PRIMARY KEY,
    install_id  TEXT NOT NULL,
    mall_id     TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outlinks_by_install ON outlinks (install_id);
CREATE TABLE IF NOT EXISTS orders (
    mall_id      TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    outlink_id   TEXT NOT NULL,
    install_id   TEXT NOT NULL,
    status_rank  INTEGER NOT NULL,   -- OrderStatus in its order: a report never moves it back
    body         TEXT NOT NULL,      -- the ShopperOrder as the device receives it
    updated_ms   INTEGER NOT NULL,
    PRIMARY KEY (mall_id, order_id)
);
CREATE INDEX IF NOT EXISTS orders_by_install ON orders (install_id, updated_ms);
-- Each (order, status) counts once, however often a mall or its platform sends it.
CREATE TABLE IF NOT EXISTS order_reports (
    mall_id   TEXT NOT NULL,
    order_id  TEXT NOT NULL,
    status    TEXT NOT NULL,
    PRIMARY KEY (mall_id, order_id, status)
);
-- The secret each mall's platform signs its webhooks with (HMAC needs it whole), and the
-- deliveries received: a delivery id seen before is a replay.
CREATE TABLE IF NOT EXISTS mall_webhook_secrets (
    mall_id  TEXT PRIMARY KEY,
    secret   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    mall_id      TEXT NOT NULL,
    delivery_id  TEXT NOT NULL,
    received_ms  INTEGER NOT NULL,
    PRIMARY KEY (mall_id, delivery_id)
);
