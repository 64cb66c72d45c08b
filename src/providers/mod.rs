//! Secret providers: where values come from. One file per provider (env, file,
//! AWS Secrets Manager, Vault KV v2), dispatched through [`Providers`]. Each
//! returns a value plus a version id, and the remote ones offer a cheap version
//! check so a refresh of an unchanged secret does not re-read the value.
//!
//! Every error is an [`SgError`] with a stable code and a message that names the
//! provider and the secret (never its value).

pub mod aws;
pub mod env;
pub mod file;
pub mod vault;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicU64;

use secrecy::{ExposeSecret, SecretSlice, SecretString};

use crate::error::SgError;

/// A secret as a provider returned it. Zeroized on drop (secrecy); Debug prints no value.
pub enum SecretValue {
    Text(SecretString),
    Binary(SecretSlice<u8>),
}

impl SecretValue {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            SecretValue::Text(s) => s.expose_secret().as_bytes(),
            SecretValue::Binary(b) => b.expose_secret(),
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SecretValue::Text(s) => Some(s.expose_secret()),
            SecretValue::Binary(_) => None,
        }
    }
    /// Text when the bytes are UTF-8, else binary. Takes ownership without copying.
    pub fn from_bytes(v: Vec<u8>) -> Self {
        match String::from_utf8(v) {
            Ok(s) => SecretValue::Text(SecretString::from(s)),
            Err(e) => SecretValue::Binary(SecretSlice::from(e.into_bytes())),
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretValue::Text(_) => f.write_str("SecretValue::Text([REDACTED])"),
            SecretValue::Binary(_) => f.write_str("SecretValue::Binary([REDACTED])"),
        }
    }
}

/// A fetched secret and its provider version id (None: the cache numbers versions itself).
#[derive(Debug)]
pub struct Fetched {
    pub value: SecretValue,
    pub version: Option<String>,
    /// What else identifies this version for the cheap check, when the version
    /// number alone can repeat (Vault: a secret deleted and created again starts
    /// at version 1; its `created_time` tells the two apart).
    pub stamp: Option<String>,
    /// When the provider created this version (ms since the Unix epoch): AWS
    /// `CreatedDate`, Vault `created_time`. Lets a process that starts during an
    /// API-key rotation's grace period know when the rotation happened.
    pub created_ms: Option<f64>,
}

/// A provider timestamp as ms since the Unix epoch (sub-millisecond part dropped).
pub fn datetime_ms(d: &aws_smithy_types::DateTime) -> f64 {
    d.secs() as f64 * 1000.0 + f64::from(d.subsec_nanos() / 1_000_000)
}

/// An RFC 3339 timestamp (Vault's `created_time`) as ms since the Unix epoch.
pub fn rfc3339_ms(s: &str) -> Option<f64> {
    aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime).ok().as_ref().map(datetime_ms)
}

/// Result of a cheap version check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The cached version is still the requested one: no need to re-read the value.
    Unchanged,
    /// Something changed: re-read.
    Changed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Env,
    File,
    Aws,
    Vault,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Env => "env",
            Kind::File => "file",
            Kind::Aws => "aws",
            Kind::Vault => "vault",
        }
    }
}

/// A parsed secret reference `provider:name[#field]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub kind: Kind,
    pub name: String,
    pub field: Option<String>,
}

/// INVALID_NAME error. The message never contains the name's text: what was
/// passed where a name belongs is sometimes a value (a connection URL with its
/// password, a token), and error messages end up in logs. It says which rule
/// failed, the name's length, the provider when it is one of the four known
/// ones, and a hint when the input looks like a URL.
fn invalid(full: &str, why: &str) -> SgError {
    let n = full.chars().count();
    let mut msg = format!("invalid secret name ({n} character{}", if n == 1 { "" } else { "s" });
    if let Some((p @ ("env" | "file" | "aws" | "vault"), _)) = full.split_once(':') {
        msg.push_str(&format!(", provider '{p}'"));
    }
    msg.push_str("): ");
    msg.push_str(why);
    if full.contains("://") && !why.contains("looks like a URL") {
        msg.push_str("; it looks like a URL: pass the name of a secret, such as 'env:DATABASE_URL', not its value");
    }
    SgError::new("INVALID_NAME", msg)
}

/// Parse `provider:name[#field]` and validate the name for its provider.
pub fn parse_ref(full: &str) -> Result<SecretRef, SgError> {
    if full.len() > 4096 {
        return Err(SgError::new("INVALID_NAME", "invalid secret name: longer than 4096 bytes"));
    }
    if full.contains('\0') {
        return Err(invalid(full, "contains a NUL character"));
    }
    let Some((prov, rest)) = full.split_once(':') else {
        return Err(invalid(full, "expected 'provider:name' with provider env, file, aws or vault"));
    };
    let kind = match prov {
        "env" => Kind::Env,
        "file" => Kind::File,
        "aws" => Kind::Aws,
        "vault" => Kind::Vault,
        _ => return Err(invalid(full, "unknown provider (expected env, file, aws or vault)")),
    };
    let (name, field) = match rest.split_once('#') {
        Some((n, f)) => {
            if f.is_empty() {
                return Err(invalid(full, "empty field after '#'"));
            }
            (n, Some(f.to_string()))
        }
        None => (rest, None),
    };
    if name.is_empty() {
        return Err(invalid(full, "empty name"));
    }
    // A connection string passed where a name belongs (`env:postgres://app:pw@db`,
    // `aws://app:pw@db`): no secret name of any provider contains `://` or starts
    // with `//`, and accepting one would put it (password included) into the
    // cache's events, the audit trail, usage() and the metrics labels.
    if name.contains("://") || name.starts_with("//") {
        return Err(invalid(full, "it looks like a URL: pass the name of a secret, not its value"));
    }
    let ok = match kind {
        Kind::Env => env::valid_name(name),
        Kind::File => file::valid_name(name),
        Kind::Aws => aws::valid_name(name),
        Kind::Vault => vault::valid_name(name),
    };
    if let Err(why) = ok {
        return Err(invalid(full, why));
    }
    Ok(SecretRef { kind, name: name.to_string(), field })
}

/// Short, value-free description of a secret for messages: `aws secret 'prod/db'`.
/// A name that looks like a URL (`env:postgres://app:pw@db/app`: a value passed
/// where a name belongs, possibly with a password) is not echoed.
pub fn describe(kind: Kind, name: &str) -> String {
    if name.contains("://") || name.starts_with("//") {
        return format!("{} secret (a URL-like name of {} characters, not shown)", kind.as_str(), name.chars().count());
    }
    format!("{} secret '{}'", kind.as_str(), name)
}

/// The configured providers.
pub struct Providers {
    pub file: Option<file::FileProvider>,
    pub aws: aws::AwsProvider,
    /// The provider, or why there is none (no address; a bad VAULT_* variable).
    pub vault: Result<vault::VaultProvider, SgError>,
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Providers")
            .field("file", &self.file)
            .field("aws", &self.aws)
            .field("vault", &self.vault)
            .finish()
    }
}

pub fn not_configured(kind: Kind, what: &str) -> SgError {
    SgError::new("PROVIDER_NOT_CONFIGURED", format!("{} provider is not configured: {what}", kind.as_str()))
}

impl Providers {
    /// Read a secret. `calls` counts upstream requests (network or file reads).
    pub async fn fetch(&self, kind: Kind, name: &str, stage: Option<&str>, calls: &AtomicU64) -> Result<Fetched, SgError> {
        match kind {
            Kind::Env => env::fetch(name, calls),
            Kind::File => match &self.file {
                Some(p) => p.fetch(name, calls).await,
                None => Err(not_configured(kind, "set files.dir")),
            },
            Kind::Aws => self.aws.fetch(name, stage, calls).await,
            Kind::Vault => match &self.vault {
                Ok(p) => p.fetch(name, calls).await,
                Err(e) => Err(e.clone()),
            },
        }
    }

    /// Cheap version check; `None` when the provider has none (env, file: re-read instead).
    pub async fn check(
        &self,
        kind: Kind,
        name: &str,
        stage: Option<&str>,
        version: &str,
        stamp: Option<&str>,
        calls: &AtomicU64,
    ) -> Option<Result<Check, SgError>> {
        match kind {
            Kind::Aws => Some(self.aws.check(name, stage, version, calls).await),
            Kind::Vault => match &self.vault {
                Ok(p) => Some(p.check(name, version, stamp, calls).await),
                Err(_) => None,
            },
            _ => None,
        }
    }
}

/// Parse a JSON object secret into its fields (string fields as-is, others as JSON text).
/// Moves the parsed strings into `SecretString`s without copying them.
pub fn json_fields(text: &str) -> Option<HashMap<String, SecretString>> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    // Raw field texts: a number or object field is handed out exactly as
    // written (no lost digits, no reordered keys); strings are unescaped.
    let map: HashMap<String, &serde_json::value::RawValue> = serde_json::from_str(text).ok()?;
    let mut out = HashMap::with_capacity(map.len());
    for (k, raw) in map {
        let r = raw.get();
        let s = if r.starts_with('"') { serde_json::from_str::<String>(r).ok()? } else { r.to_string() };
        out.insert(k, SecretString::from(s));
    }
    Some(out)
}

/// Keep SDK/server text short in our messages.
pub fn short(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_created_time_to_ms() {
        // Vault prints nanoseconds; the ms are truncated, not rounded.
        assert_eq!(rfc3339_ms("2018-03-22T02:24:06.945319214Z"), Some(1_521_685_446_945.0));
        assert_eq!(rfc3339_ms("1970-01-01T00:00:01Z"), Some(1000.0));
        assert_eq!(rfc3339_ms("yesterday"), None);
        assert_eq!(rfc3339_ms(""), None);
    }

    #[test]
    fn parses_refs() {
        let r = parse_ref("aws:prod/payments#apiKey").unwrap();
        assert_eq!(r.kind, Kind::Aws);
        assert_eq!(r.name, "prod/payments");
        assert_eq!(r.field.as_deref(), Some("apiKey"));
        assert_eq!(parse_ref("env:X").unwrap().field, None);
        for bad in ["", "X", "nope:X", "env:", "aws:a#", "file:../etc/passwd", "file:/abs", "env:A=B", "vault:a/../b", "aws:sp ace"] {
            assert_eq!(parse_ref(bad).unwrap_err().code, "INVALID_NAME", "{bad}");
        }
    }

    #[test]
    fn invalid_name_message_never_echoes_the_name() {
        // A connection URL (with its password) passed where a name belongs.
        let e = parse_ref("postgres://app:FAKE-pw-0193@db/app").unwrap_err();
        assert_eq!(e.code, "INVALID_NAME");
        assert!(!e.message.contains("FAKE-pw"), "{}", e.message);
        assert!(!e.message.contains("postgres"), "{}", e.message);
        assert!(e.message.contains("34 characters"), "{}", e.message);
        assert!(e.message.contains("unknown provider"), "{}", e.message);
        assert!(e.message.contains("looks like a URL"), "{}", e.message);
        for bad in [
            "FAKE-token-no-colon-0193",
            "env:FAKE-pw-0193=x",
            "aws:FAKE-pw-0193 x",
            "file:../FAKE-pw-0193",
            "vault:a//FAKE-pw-0193",
            "aws:FAKE-pw-0193#",
            "aws:#FAKE-pw-0193",
            "FAKE-pw-0193\0:x",
            // a connection string behind a provider (env and aws names allow ':' and '/')
            "aws:postgres://app:FAKE-pw-0193@db/app",
            "aws://app:FAKE-pw-0193@db.internal/app",
            "env:postgres://app:FAKE-pw-0193@db/app",
            "env://app:FAKE-pw-0193@db/app",
        ] {
            let e = parse_ref(bad).unwrap_err();
            assert_eq!(e.code, "INVALID_NAME", "{bad}");
            assert!(!e.message.contains("FAKE"), "{bad}: {}", e.message);
        }
        let e = parse_ref("aws://app:FAKE-pw-0193@db.internal/app").unwrap_err();
        assert!(e.message.contains("looks like a URL") && e.message.contains("provider 'aws'"), "{}", e.message);
        assert_eq!(e.message.matches("looks like a URL").count(), 1, "{}", e.message);
        // A URL-like name is not echoed by describe() either (defence in depth).
        let d = describe(Kind::Env, "postgres://app:FAKE-pw-0193@db/app");
        assert!(!d.contains("FAKE") && d.contains("34 characters"), "{d}");
        let d = describe(Kind::Aws, "//app:FAKE-pw-0193@db/app");
        assert!(!d.contains("FAKE"), "{d}");
        // Ordinary ARNs and names with '/' still pass.
        assert!(parse_ref("aws:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf").is_ok());
        assert!(parse_ref("aws:prod/db/password").is_ok());
        assert_eq!(describe(Kind::Aws, "prod/db"), "aws secret 'prod/db'");
        // Known providers are named (they are not secret and help the reader).
        let e = parse_ref("env:A=B").unwrap_err();
        assert!(e.message.contains("provider 'env'"), "{}", e.message);
        assert!(e.message.contains("'='"), "{}", e.message);
    }

    #[test]
    fn json_fields_and_debug() {
        let f = json_fields(r#"{"a":"x","n":5,"o":{"k":1}}"#).unwrap();
        assert_eq!(f["a"].expose_secret(), "x");
        assert_eq!(f["n"].expose_secret(), "5");
        assert_eq!(f["o"].expose_secret(), r#"{"k":1}"#);
        assert!(json_fields("plain").is_none());
        assert!(json_fields("[1]").is_none());
        // non-string fields come back exactly as written: no lost digits, no reordered keys
        let f = json_fields(r#"{"acct": 123456789012345678901234, "pin": 1.50, "e": 1e2, "o": {"z":1,"a":2}, "s": "a\"b\u00e9"}"#).unwrap();
        assert_eq!(f["acct"].expose_secret(), "123456789012345678901234");
        assert_eq!(f["pin"].expose_secret(), "1.50");
        assert_eq!(f["e"].expose_secret(), "1e2");
        assert_eq!(f["o"].expose_secret(), r#"{"z":1,"a":2}"#);
        assert_eq!(f["s"].expose_secret(), "a\"bé");
        let v = SecretValue::from_bytes(b"sk_test_FAKE_123".to_vec());
        assert!(!format!("{v:?}").contains("FAKE"));
        assert!(matches!(SecretValue::from_bytes(vec![0xff, 0]), SecretValue::Binary(_)));
    }
}
