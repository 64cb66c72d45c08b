fn main() {
    napi_build::setup();
    // Linux (glibc, GNU ld >= 2.38): pack the addon's ~25,000 relative
    // relocations (mostly static tables of the AWS SDK and rustls) into DT_RELR.
    // The dynamic loader then applies them from a few KB instead of a 600 KB
    // table, which shortens require() of the addon. ld only packs when the
    // libc it links against supports it (GLIBC_ABI_DT_RELR, glibc >= 2.36), so
    // an older system gets the classic table instead of a load error.
    // Only for a build that runs where it is built (`npm install` from source):
    // a binary linked against this system's glibc needs at least that glibc.
    // Not for cross builds, nor for a configured linker such as napi's
    // `--use-napi-cross` (glibc 2.17 sysroot, how the published linux-*-gnu
    // binaries are built: README, "Releasing"): the probe runs the host's cc,
    // which is not that linker. SECRET_GUARD_NO_RELR=1 turns it off.
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    let linker_var = format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace('-', "_")
    );
    println!("cargo:rerun-if-env-changed={linker_var}");
    println!("cargo:rerun-if-env-changed=SECRET_GUARD_NO_RELR");
    let configured_linker = std::env::var_os(&linker_var).is_some();
    let opted_out = std::env::var_os("SECRET_GUARD_NO_RELR").is_some_and(|v| v == "1");
    if target == host
        && target.ends_with("-linux-gnu")
        && !configured_linker
        && !opted_out
        && linker_supports_relr()
    {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs");
    }
}

// Ask the system linker (through cc, as rustc links) whether it knows the option.
fn linker_supports_relr() -> bool {
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let probe = std::path::Path::new(&out).join("relr-probe");
    let src = std::path::Path::new(&out).join("relr-probe.c");
    if std::fs::write(&src, "int main(void){return 0;}\n").is_err() {
        return false;
    }
    std::process::Command::new("cc")
        .arg(&src)
        .arg("-o")
        .arg(&probe)
        .arg("-Wl,-z,pack-relative-relocs")
        .arg("-Wl,--fatal-warnings")
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}
