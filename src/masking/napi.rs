//! JS exports of the masking capability (lib/mask.js wraps them).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Buffer, Either};
use napi::{Env, JsString};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::masker::{self, MaskOptions, Masker, Shared};
use crate::error::{Code, Result, SgError};

#[napi(object)]
pub struct NativeMaskerOptions {
    pub censor: Option<String>,
    pub encodings: Option<bool>,
    pub min_length: Option<u32>,
    pub keep_last: Option<u32>,
    pub partial_mask: Option<String>,
    pub grace_ms: Option<f64>,
}

fn grace(ms: f64) -> Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(SgError::new("INVALID_OPTION", "graceMs must be a finite number >= 0").into());
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

fn apply(mut o: MaskOptions, n: Option<NativeMaskerOptions>) -> Result<MaskOptions> {
    if let Some(n) = n {
        if let Some(c) = n.censor {
            o.censor = c;
        }
        if let Some(e) = n.encodings {
            o.encodings = e;
        }
        if let Some(m) = n.min_length {
            if m == 0 {
                return Err(SgError::new("INVALID_OPTION", "minLength must be at least 1").into());
            }
            o.min_length = m as usize;
        }
        if let Some(k) = n.keep_last {
            o.keep_last = k as usize;
        }
        if let Some(p) = n.partial_mask {
            o.partial_mask = p;
        }
        if let Some(g) = n.grace_ms {
            o.grace = grace(g)?;
        }
    }
    Ok(o)
}

/// A masker. `NativeMasker.defaultMasker()` returns a handle on the process-wide one.
#[napi]
pub struct NativeMasker {
    inner: Shared,
}

#[napi]
impl NativeMasker {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<NativeMaskerOptions>) -> Result<Self> {
        let o = apply(MaskOptions::default(), options)?;
        Ok(NativeMasker { inner: Arc::new(RwLock::new(Masker::new(o))) })
    }

    /// A handle on the process-wide default masker (shared with the secret cache).
    #[napi(factory, catch_unwind)]
    pub fn default_masker() -> Self {
        NativeMasker { inner: super::default_masker() }
    }

    /// Change options (unset fields keep their value); the automaton is rebuilt on next use.
    #[napi(catch_unwind)]
    pub fn configure(&self, options: NativeMaskerOptions) -> Result<()> {
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let o = apply(g.options().clone(), Some(options))?;
        g.set_options(o);
        Ok(())
    }

    /// Register a value (error VALUE_TOO_SHORT below minLength). Returns whether it was new.
    #[napi(catch_unwind)]
    pub fn add(&self, value: String) -> Result<bool> {
        let value = Zeroizing::new(value);
        let r = self.inner.write().unwrap_or_else(|e| e.into_inner()).add(&value);
        r.map_err(Into::into)
    }

    /// Register a value, skipping it silently when shorter than minLength.
    #[napi(catch_unwind)]
    pub fn learn(&self, value: String) -> bool {
        let value = Zeroizing::new(value);
        self.inner.write().unwrap_or_else(|e| e.into_inner()).learn(&value)
    }

    #[napi(catch_unwind)]
    pub fn remove(&self, value: String) -> bool {
        let value = Zeroizing::new(value);
        self.inner.write().unwrap_or_else(|e| e.into_inner()).remove(&value)
    }

    /// Keep masking a value for graceMs (default: the configured grace), then forget it.
    #[napi(catch_unwind)]
    pub fn retire(&self, value: String, grace_ms: Option<f64>) -> Result<bool> {
        let value = Zeroizing::new(value);
        let g = grace_ms.map(grace).transpose()?;
        Ok(self.inner.write().unwrap_or_else(|e| e.into_inner()).retire(&value, g, Instant::now()))
    }

    #[napi(catch_unwind)]
    pub fn clear(&self) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).clear()
    }

    /// Number of registered values (retired values count until their grace ends).
    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> u32 {
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        g.purge(Instant::now());
        g.len() as u32
    }

    /// Number of patterns in the automaton (values plus encodings), building it if needed.
    #[napi(getter, catch_unwind)]
    pub fn pattern_count(&self) -> u32 {
        masker::current(&self.inner).patterns as u32
    }

    #[napi(getter, catch_unwind)]
    pub fn min_length(&self) -> u32 {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).options().min_length as u32
    }

    /// Mask a well-formed string. Returns the same JS string when nothing matched.
    #[napi(catch_unwind)]
    pub fn mask<'e>(&self, env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
        mask_str(&self.inner, env, text)
    }

    /// Mask a string holding lone surrogates (see `mask_utf16_str`).
    #[napi(catch_unwind)]
    pub fn mask_utf16<'e>(&self, env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
        mask_utf16_str(&self.inner, env, text)
    }

    /// Mask bytes (any encoding; matches are byte-exact). Returns a new Buffer.
    #[napi(catch_unwind)]
    pub fn mask_buffer(&self, data: Buffer) -> Buffer {
        mask_buf(&self.inner, data)
    }
}

// The default masker's hot path as plain functions: no class unwrap per call.

/// Mask a well-formed string with the process-wide default masker.
#[napi(catch_unwind)]
pub fn mask_default<'e>(env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
    mask_str(&super::DEFAULT, env, text)
}

/// Mask a string holding lone surrogates with the process-wide default masker.
#[napi(catch_unwind)]
pub fn mask_default_utf16<'e>(env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
    mask_utf16_str(&super::DEFAULT, env, text)
}

/// Mask bytes with the process-wide default masker.
#[napi(catch_unwind)]
pub fn mask_default_buffer(data: Buffer) -> Buffer {
    mask_buf(&super::DEFAULT, data)
}

fn mask_str<'e>(m: &RwLock<Masker>, env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
    let c = masker::current(m);
    if c.is_empty() {
        return Ok(text);
    }
    let utf8 = text.into_utf8().map_err(crate::error::from_napi)?;
    match c.mask_text(utf8.as_slice()) {
        None => Ok(utf8.into_value()),
        Some(out) => {
            // Matches are whole UTF-8 sequences and the censor is a String: still UTF-8.
            let s = String::from_utf8(out).map_err(|_| SgError::new("INTERNAL", "masked text is not UTF-8"))?;
            env.create_string_from_std(s).map_err(crate::error::from_napi)
        }
    }
}

/// Each well-formed run is masked on its own (a lone surrogate can never be
/// part of a secret) and the lone surrogates are kept as they are.
fn mask_utf16_str<'e>(m: &RwLock<Masker>, env: &'e Env, text: JsString<'e>) -> Result<JsString<'e>> {
    let c = masker::current(m);
    if c.is_empty() {
        return Ok(text);
    }
    let u = text.into_utf16().map_err(crate::error::from_napi)?;
    let units = u.as_slice();
    let units = &units[..units.len().saturating_sub(1)]; // trailing NUL
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let mut run_start = 0;
    let mut i = 0;
    let flush = |out: &mut Vec<u16>, run: &[u16]| {
        if run.is_empty() {
            return;
        }
        let s = String::from_utf16(run).unwrap_or_default();
        match c.mask_text(s.as_bytes()) {
            None => out.extend_from_slice(run),
            Some(m) => out.extend(String::from_utf8_lossy(&m).encode_utf16()),
        }
    };
    while i < units.len() {
        let u0 = units[i];
        let pair = (0xD800..0xDC00).contains(&u0) && i + 1 < units.len() && (0xDC00..0xE000).contains(&units[i + 1]);
        if pair {
            i += 2;
        } else if (0xD800..0xE000).contains(&u0) {
            flush(&mut out, &units[run_start..i]);
            out.push(u0);
            i += 1;
            run_start = i;
        } else {
            i += 1;
        }
    }
    flush(&mut out, &units[run_start..]);
    env.create_string_utf16(&out).map_err(crate::error::from_napi)
}

fn mask_buf(m: &RwLock<Masker>, data: Buffer) -> Buffer {
    let c = masker::current(m);
    match c.mask_bytes(&data) {
        None => data.to_vec().into(),
        Some(out) => out.into(),
    }
}

/// HMAC-SHA256 fingerprint `sgfp_` + 10 hex digits. `key` unset: the random per-process key.
#[napi(catch_unwind)]
pub fn fingerprint(value: Either<String, Buffer>, key: Option<Either<String, Buffer>>) -> Result<String> {
    let key_bytes: Option<Zeroizing<Vec<u8>>> = key.map(|k| match k {
        Either::A(s) => Zeroizing::new(s.into_bytes()),
        Either::B(b) => Zeroizing::new(b.to_vec()),
    });
    if let Some(k) = &key_bytes {
        if k.is_empty() {
            return Err(napi::Error::new(Code("INVALID_KEY"), "fingerprint key must not be empty".to_string()));
        }
    }
    let fp = match &value {
        Either::A(s) => super::fingerprint::fingerprint(s.as_bytes(), key_bytes.as_deref().map(|v| v.as_slice())),
        Either::B(b) => super::fingerprint::fingerprint(b, key_bytes.as_deref().map(|v| v.as_slice())),
    };
    if let Either::A(s) = value {
        drop(Zeroizing::new(s));
    }
    Ok(fp)
}

/// Teach the process-wide default masker a value (skipped when too short).
#[napi(catch_unwind)]
pub fn learn_secret(value: String) {
    let value = Zeroizing::new(value);
    super::learn_secret(&value)
}

/// Retire a value from the process-wide default masker (masked for the grace period).
#[napi(catch_unwind)]
pub fn retire_secret(value: String) {
    let value = Zeroizing::new(value);
    super::retire_secret(&value)
}

/// A secret value held in Rust memory (zeroized when garbage-collected). The JS
/// `Secret` class keeps one in a private field; the value leaves Rust only via expose().
#[napi]
pub struct SecretBox {
    inner: SecretString,
}

#[napi]
impl SecretBox {
    #[napi(constructor, catch_unwind)]
    pub fn new(value: String) -> Self {
        SecretBox { inner: SecretString::from(value) }
    }

    #[napi(catch_unwind)]
    pub fn expose(&self) -> String {
        self.inner.expose_secret().to_string()
    }

    #[napi(getter, catch_unwind)]
    pub fn length(&self) -> u32 {
        self.inner.expose_secret().chars().count() as u32
    }

    #[napi(catch_unwind)]
    pub fn fingerprint(&self, key: Option<Either<String, Buffer>>) -> Result<String> {
        let k: Option<Zeroizing<Vec<u8>>> = key.map(|k| match k {
            Either::A(s) => Zeroizing::new(s.into_bytes()),
            Either::B(b) => Zeroizing::new(b.to_vec()),
        });
        if k.as_ref().is_some_and(|k| k.is_empty()) {
            return Err(napi::Error::new(Code("INVALID_KEY"), "fingerprint key must not be empty".to_string()));
        }
        Ok(super::fingerprint::fingerprint(self.inner.expose_secret().as_bytes(), k.as_deref().map(|v| v.as_slice())))
    }

    /// Constant-time comparison with a candidate value.
    #[napi(catch_unwind)]
    pub fn equals(&self, other: String) -> bool {
        let other = Zeroizing::new(other);
        let a = self.inner.expose_secret().as_bytes();
        let b = other.as_bytes();
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
