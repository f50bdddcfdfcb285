//! The PostgreSQL engine: tokio-postgres connections from a deadpool pool, on a small runtime of
//! the catalog's own. The catalog's methods are synchronous (the HTTP handlers call them on
//! tokio's blocking threads, the CLI and tests directly), so each statement is handed to that
//! runtime and waited for; no caller needs to be inside, or outside, any runtime of its own.

use std::future::Future;
use std::sync::Arc;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::sql::{Dialect, Row, Sql, Value};
use super::CatalogError;

/// Connections kept open per server process (its handlers, ingests and tests share them).
const POOL_SIZE: usize = 16;

pub(crate) struct Pg {
    /// Where it connects, and in which schema (for [`Pg::another`]).
    url: String,
    schema: Option<String>,
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
    /// A throwaway catalog's own schema (tests): dropped with the catalog.
    throwaway_schema: Option<String>,
}

impl Pg {
    /// Connect to `url`; with `schema`, every connection works in that schema.
    pub fn connect(url: &str, schema: Option<&str>) -> Result<Pg, CatalogError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("moa-postgres")
            .enable_all()
            .build()
            .map_err(|e| CatalogError::Connect(e.to_string()))?;
        let mut config: tokio_postgres::Config = url.parse()?;
        if let Some(schema) = schema {
            config.options(format!("-c search_path={schema}"));
        }
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| CatalogError::Connect(e.to_string()))?;
        let handle = runtime.handle().clone();
        let pg = Pg {
            url: url.to_string(),
            schema: schema.map(str::to_string),
            runtime: Some(runtime),
            handle,
            pool,
            throwaway_schema: None,
        };
        pg.conn()?; // Fail here, not at the first request, when the database is not there.
        Ok(pg)
    }

    /// A fresh schema of its own in the database at `url`, dropped when the catalog is (tests).
    pub fn throwaway(url: &str) -> Result<Pg, CatalogError> {
        let schema = format!("moa_t_{}", crate::secrets::random_hex(8));
        let admin = Pg::connect(url, None)?;
        admin.conn()?.batch(&format!("CREATE SCHEMA {schema}"))?;
        drop(admin);
        let mut pg = Pg::connect(url, Some(&schema))?;
        pg.throwaway_schema = Some(schema);
        Ok(pg)
    }

    /// Where another process finds this database and schema: the URL, with the schema as a
    /// connection option when there is one.
    pub fn location(&self) -> String {
        match &self.schema {
            None => self.url.clone(),
            Some(schema) => {
                let joiner = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{joiner}options=-c%20search_path%3D{schema}", self.url)
            }
        }
    }

    /// Another pool on the same database and schema (which stays the first one's to drop).
    pub fn another(&self) -> Result<Pg, CatalogError> {
        Pg::connect(&self.url, self.schema.as_deref())
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<PgConn, CatalogError> {
        let pool = self.pool.clone();
        let client = run(&self.handle, async move { pool.get().await })?;
        Ok(PgConn { client: Arc::new(client), handle: self.handle.clone() })
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if let Some(schema) = self.throwaway_schema.take() {
            if let Ok(conn) = self.conn() {
                let _ = conn.batch(&format!("DROP SCHEMA {schema} CASCADE"));
            }
        }
        self.pool.close();
        // Dropped from anywhere, async code included: never wait for the runtime's threads.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Run `future` on the catalog's runtime and wait for it on this thread.
fn run<T: Send + 'static>(handle: &tokio::runtime::Handle, future: impl Future<Output = T> + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(future.await);
    });
    rx.recv().expect("the catalog's database runtime runs while the catalog is open")
}

/// `?N` parameters as PostgreSQL writes them (`$N`). The server's SQL has no `?` elsewhere.
fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// One pooled connection (back to the pool when dropped).
pub(crate) struct PgConn {
    client: Arc<Object>,
    handle: tokio::runtime::Handle,
}

impl PgConn {
    /// Statements without parameters or results (schema, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), CatalogError> {
        let (client, sql) = (Arc::clone(&self.client), sql.to_string());
        Ok(run(&self.handle, async move { client.batch_execute(&sql).await })?)
    }
}

impl Sql for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, CatalogError> {
        let (client, sql, params) = (Arc::clone(&self.client), dollar_params(sql), params.to_vec());
        Ok(run(&self.handle, async move {
            let statement = client.prepare_cached(&sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            client.execute(&statement, &refs).await
        })?)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, CatalogError> {
        let (client, sql, params) = (Arc::clone(&self.client), dollar_params(sql), params.to_vec());
        let rows = run(&self.handle, async move {
            let statement = client.prepare_cached(&sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            client.query(&statement, &refs).await
        })?;
        rows.iter().map(row_values).collect()
    }
}

fn row_values(row: &tokio_postgres::Row) -> Result<Row, CatalogError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(v.into()))
        } else if *ty == Type::VOID {
            None // what `pg_advisory_xact_lock` returns
        } else if *ty == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(i)?.map(|v| Value::Int(v as i64))
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(values)
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) if *ty == Type::INT8 => i.to_sql(ty, out),
            Value::Int(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) if *ty == Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
            Value::Int(i) if *ty == Type::BOOL => (*i != 0).to_sql(ty, out),
            Value::Int(i) => i.to_string().as_str().to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_parameters_become_dollar_ones() {
        assert_eq!(
            dollar_params("SELECT a FROM t WHERE b = ?1 AND (?12 IS NULL OR c = ?12)"),
            "SELECT a FROM t WHERE b = $1 AND ($12 IS NULL OR c = $12)"
        );
    }
}
