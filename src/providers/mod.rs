//! (providers) — see README. Filled in by its issue.
