//! Masking — filled in by its issue. The cache calls `learn_secret` for every
//! value it serves so the process-wide default masker knows it.

/// Teach the process-wide default masker a secret value (no-op until masking lands).
pub fn learn_secret(_value: &str) {}

/// A value was rotated away: keep masking it for the grace period, then forget it.
pub fn retire_secret(_value: &str) {}
