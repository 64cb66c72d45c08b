//! Panic containment. Every `#[napi]` entry point carries `catch_unwind`, so a
//! Rust panic becomes a JS error (lib/errors.js gives it `code: 'PANIC'` and a
//! fixed message) instead of aborting the host process. The default panic hook
//! would still print the panic payload to stderr, and a payload can be built
//! from data (`unwrap()` on an error, a formatted assertion): the addon installs
//! a hook that prints only the location.

mod napi;

use std::sync::Once;

static HOOK: Once = Once::new();

/// Replace the panic hook of this addon's Rust runtime with one that never
/// prints the payload (only `file:line`). Idempotent.
pub fn install_quiet_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            eprintln!("secret-guard: internal error (Rust panic at {at}); the call failed with code PANIC");
        }));
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn hook_install_is_idempotent_and_panics_are_catchable() {
        super::install_quiet_hook();
        super::install_quiet_hook();
        let r = std::panic::catch_unwind(|| panic!("payload sk_test_FAKE_never_printed"));
        // Back to the default hook: the quiet one is process-wide, and the
        // other tests' failures should print their assertion messages.
        drop(std::panic::take_hook());
        assert!(r.is_err());
    }
}
