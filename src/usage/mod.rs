//! (usage) — see README. Filled in by its issue.
