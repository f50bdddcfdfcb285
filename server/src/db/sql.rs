//! The one way the server's modules talk to their database, whichever engine it is: statements
//! written once (SQL both SQLite and PostgreSQL read: `?N` parameters, `ON CONFLICT`, `CAST`),
//! values of three kinds, rows as lists of them. The few places where the engines differ ask
//! [`Dialect`] for their fragment. The engines themselves are rusqlite and tokio-postgres
//! (`db::pg`); this module only adapts their calls to one shape.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::CatalogError;

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// A row: its columns in the order the statement named them.
pub type Row = Vec<Value>;

/// Which engine a statement runs on, for the fragments that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The Korean calendar day (UTC+9) of a Unix-milliseconds column, as "YYYY-MM-DD".
    pub fn korean_day(self, ms: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date({ms} / 1000 + 9 * 3600, 'unixepoch')"),
            Dialect::Postgres => {
                format!("to_char(to_timestamp({ms} / 1000 + 9 * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            }
        }
    }

    /// A text column in the byte order of its UTF-8 (SQLite's own; PostgreSQL's "C" collation),
    /// so that both engines list ids alike whatever the database's locale.
    pub fn by_text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_string(),
            Dialect::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    /// The text at `key` of the JSON object in text column `column` (NULL when absent).
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("(CAST({column} AS JSONB) ->> '{key}')"),
        }
    }

    /// `x` clamped to `low..=high` (SQLite's scalar max/min, PostgreSQL's greatest/least).
    pub fn clamp(self, x: &str, low: &str, high: &str) -> String {
        match self {
            Dialect::Sqlite => format!("max({low}, min({x}, {high}))"),
            Dialect::Postgres => format!("greatest({low}, least({x}, {high}))"),
        }
    }
}

/// A connection (or a transaction on one) of either engine.
pub trait Sql {
    fn dialect(&self) -> Dialect;
    /// Run a statement; how many rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, CatalogError>;
    /// Every row a query returns.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, CatalogError>;
    /// The first row, if any.
    fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, CatalogError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

impl Value {
    pub fn int(&self) -> Result<i64, CatalogError> {
        match self {
            Value::Int(i) => Ok(*i),
            other => Err(CatalogError::Column(format!("expected an integer, found {other:?}"))),
        }
    }

    pub fn opt_int(&self) -> Result<Option<i64>, CatalogError> {
        match self {
            Value::Null => Ok(None),
            other => other.int().map(Some),
        }
    }

    pub fn text(self) -> Result<String, CatalogError> {
        match self {
            Value::Text(s) => Ok(s),
            other => Err(CatalogError::Column(format!("expected text, found {other:?}"))),
        }
    }

    pub fn opt_text(self) -> Result<Option<String>, CatalogError> {
        match self {
            Value::Null => Ok(None),
            other => other.text().map(Some),
        }
    }
}

/// Column `i` of `row`, taken out of it (rows are read once, column by column).
pub fn take(row: &mut Row, i: usize) -> Value {
    std::mem::replace(&mut row[i], Value::Null)
}

/// The single text column of a one-column row.
pub fn first_text(mut row: Row) -> Result<String, CatalogError> {
    take(&mut row, 0).text()
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<u64> for Value {
    fn from(i: u64) -> Value {
        Value::Int(i as i64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Int(b as i64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Text(s.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Values for a statement: `values![a, b, c]`.
macro_rules! values {
    ($($v:expr),* $(,)?) => { &[$($crate::db::sql::Value::from($v)),*] as &[$crate::db::sql::Value] };
}
pub(crate) use values;

// ---- SQLite (rusqlite) -------------------------------------------------------------------------

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl Sql for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, CatalogError> {
        Ok(self.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, CatalogError> {
        let mut stmt = self.prepare_cached(sql)?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Int(i),
                    ValueRef::Real(f) => Value::Int(f as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                });
            }
            out.push(values);
        }
        Ok(out)
    }
}
