//! `aws:NAME` — AWS Secrets Manager through the Rust SDK. The HTTP client is
//! aws-smithy-http-client with rustls+ring (no aws-lc, no second TLS stack).
//! SDK retries are disabled: the cache does its own backoff and counts upstream
//! calls. Connect and per-request timeouts make an unreachable endpoint fail in
//! seconds. The client is built lazily on first use (loading the credential
//! chain is async).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::Client;
use secrecy::SecretSlice;
use tokio::sync::OnceCell;

use super::{describe, short, Check, Fetched, Kind, SecretValue};
use crate::error::SgError;

pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.len() > 2048 {
        return Err("AWS secret ids are at most 2048 characters");
    }
    // Names allow A-Za-z0-9 /_+=.@- ; ARNs add ':'.
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-:!".contains(&b)) {
        return Err("AWS secret names may contain only letters, digits and /_+=.@-");
    }
    Ok(())
}

#[derive(Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

pub struct AwsProvider {
    opts: AwsOptions,
    client: OnceCell<Client>,
}

impl fmt::Debug for AwsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsProvider")
            .field("region", &self.opts.region)
            .field("endpoint", &self.opts.endpoint)
            .finish()
    }
}

impl AwsProvider {
    pub fn new(opts: AwsOptions) -> Self {
        AwsProvider { opts, client: OnceCell::new() }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                use aws_smithy_http_client::tls;
                // A plain-http endpoint (local emulators, VPC proxies) needs no TLS: skip
                // loading the root certificates, which dominates client start-up.
                let endpoint = self.opts.endpoint.clone().or_else(|| {
                    std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER").ok().or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
                });
                let plain = endpoint.as_deref().map(|e| e.starts_with("http://")).unwrap_or(false);
                let http = if plain {
                    aws_smithy_http_client::Builder::new().build_http()
                } else {
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                        .build_https()
                };
                let timeouts = aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(self.opts.connect_timeout)
                    .operation_attempt_timeout(self.opts.request_timeout)
                    .operation_timeout(self.opts.request_timeout)
                    .build();
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .http_client(http)
                    .timeout_config(timeouts)
                    .retry_config(aws_config::retry::RetryConfig::disabled());
                if let Some(r) = &self.opts.region {
                    loader = loader.region(aws_config::Region::new(r.clone()));
                }
                if let Some(e) = &self.opts.endpoint {
                    loader = loader.endpoint_url(e.clone());
                }
                let conf = loader.load().await;
                Client::new(&conf)
            })
            .await
    }

    /// Build the client now (loads config/credentials chain and TLS roots) so the
    /// first `get` does not pay for it.
    pub async fn warm(&self) {
        let _ = self.client().await;
    }

    pub async fn fetch(&self, name: &str, stage: Option<&str>, calls: &AtomicU64) -> Result<Fetched, SgError> {
        let client = self.client().await;
        let mut req = client.get_secret_value().secret_id(name);
        if let Some(s) = stage {
            req = req.version_stage(s);
        }
        calls.fetch_add(1, Ordering::Relaxed);
        let mut out = req.send().await.map_err(|e| map_err(e, name))?;
        let version = out.version_id().map(str::to_string);
        let created_ms = out.created_date().map(super::datetime_ms);
        if let Some(s) = out.secret_string.take() {
            return Ok(Fetched { value: SecretValue::Text(s.into()), version, stamp: None, created_ms });
        }
        if let Some(b) = out.secret_binary.take() {
            return Ok(Fetched { value: SecretValue::Binary(SecretSlice::from(b.into_inner())), version, stamp: None, created_ms });
        }
        Err(SgError::new("SECRET_NOT_FOUND", format!("{} has no value", describe(Kind::Aws, name))))
    }

    /// DescribeSecret: is the cached VersionId still labelled with the requested stage?
    pub async fn check(&self, name: &str, stage: Option<&str>, version: &str, calls: &AtomicU64) -> Result<Check, SgError> {
        let client = self.client().await;
        calls.fetch_add(1, Ordering::Relaxed);
        let out = client.describe_secret().secret_id(name).send().await.map_err(|e| map_err(e, name))?;
        // Scheduled for deletion: GetSecretValue already refuses it; so do we.
        if out.deleted_date().is_some() {
            return Err(SgError::new("SECRET_NOT_FOUND", format!("{}: scheduled for deletion", describe(Kind::Aws, name))));
        }
        let stage = stage.unwrap_or("AWSCURRENT");
        let still = out
            .version_ids_to_stages()
            .and_then(|m| m.get(version))
            .map(|stages| stages.iter().any(|s| s == stage))
            .unwrap_or(false);
        Ok(if still { Check::Unchanged } else { Check::Changed })
    }
}

fn map_err<E, R>(e: SdkError<E, R>, name: &str) -> SgError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let what = describe(Kind::Aws, name);
    match &e {
        SdkError::TimeoutError(_) => SgError::new("TIMEOUT", format!("{what}: request timed out")),
        SdkError::DispatchFailure(d) => {
            if d.is_timeout() {
                SgError::new("TIMEOUT", format!("{what}: request timed out"))
            } else if d.is_io() {
                SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: AWS Secrets Manager is unreachable"))
            } else {
                // Credential and region problems surface as "other" dispatch failures;
                // classify them from the error chain (used only to pick the code, never shown).
                let chain = format!("{}", aws_smithy_types::error::display::DisplayErrorContext(&e)).to_ascii_lowercase();
                if chain.contains("credential") {
                    SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: no usable AWS credentials (environment, profile, web identity, ECS or instance metadata)"))
                } else if chain.contains("region") {
                    SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: no AWS region (set aws.region or AWS_REGION)"))
                } else if d.is_user() {
                    SgError::new("PROVIDER_NOT_CONFIGURED", format!("{what}: request could not be sent (check region, endpoint and credentials)"))
                } else {
                    SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: AWS Secrets Manager is unreachable"))
                }
            }
        }
        SdkError::ConstructionFailure(_) => SgError::new(
            "PROVIDER_NOT_CONFIGURED",
            format!("{what}: request could not be built (check region, endpoint and credentials)"),
        ),
        SdkError::ResponseError(_) => SgError::new("PROVIDER_UNAVAILABLE", format!("{what}: unreadable response from AWS Secrets Manager")),
        SdkError::ServiceError(_) => {
            let code = e.code().unwrap_or("Unknown");
            let marked_for_deletion = e.message().is_some_and(|m| m.contains("deletion") || m.contains("marked deleted"));
            let msg = e.message().map(short).unwrap_or_default();
            let ours = match code {
                "ResourceNotFoundException" => "SECRET_NOT_FOUND",
                // AWS: "... because it was marked for deletion"; moto: "... currently marked deleted"
                "InvalidRequestException" if marked_for_deletion => "SECRET_NOT_FOUND",
                "AccessDeniedException" | "UnrecognizedClientException" | "InvalidSignatureException"
                | "ExpiredTokenException" | "DecryptionFailure" | "AccessDenied" => "ACCESS_DENIED",
                "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => "THROTTLED",
                "InternalServiceError" | "ServiceUnavailable" | "InternalFailure" => "PROVIDER_UNAVAILABLE",
                "InvalidParameterException" | "ValidationException" => "INVALID_NAME",
                _ => "PROVIDER_ERROR",
            };
            SgError::new(ours, format!("{what}: {code} {msg}").trim_end().to_string())
        }
        _ => SgError::new("PROVIDER_ERROR", format!("{what}: request failed")),
    }
}
