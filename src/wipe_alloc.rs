//! Every heap block the addon frees is wiped first.
//!
//! `secrecy`/`zeroize` wipe the buffers this crate owns, but secrets also pass
//! through buffers it does not own: hyper's read and write buffers (an AWS
//! `GetSecretValue` body, the `X-Vault-Token` header), serde_json's scratch
//! buffer for escaped strings, aho-corasick's pattern tables (rebuilt on every
//! masker change), napi-rs' string conversions. glibc's `free()` leaves a
//! freed block's bytes in place, so each of those would stay readable in the
//! process (a core dump, `/proc/PID/mem`) until reused. This allocator is the
//! system allocator with one change: blocks are zeroed before they are
//! returned, and `realloc` never moves a block without zeroing the old one.
//! Volatile word stores, so the compiler cannot drop them as dead before
//! `free`. Only the addon's Rust allocations go through it; V8's heap (JS
//! strings) is outside it. The cost is measured in `bench/` (README).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{compiler_fence, Ordering};

pub struct WipeOnFree;

/// Zero `n` bytes at `p` with volatile stores (words where aligned). Not
/// `zeroize` on a slice: that stores byte by byte, and this runs on every free.
///
/// # Safety
/// `p` must be valid for writes of `n` bytes.
unsafe fn wipe(p: *mut u8, n: usize) {
    unsafe {
        let head = p.align_offset(8).min(n);
        for i in 0..head {
            std::ptr::write_volatile(p.add(i), 0);
        }
        let words = (n - head) / 8;
        let w = p.add(head) as *mut u64;
        for i in 0..words {
            std::ptr::write_volatile(w.add(i), 0);
        }
        for i in head + words * 8..n {
            std::ptr::write_volatile(p.add(i), 0);
        }
    }
    compiler_fence(Ordering::SeqCst);
}

unsafe impl GlobalAlloc for WipeOnFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The system realloc may move the block and free the old one unwiped:
        // move it here instead.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = System.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[global_allocator]
static GLOBAL: WipeOnFree = WipeOnFree;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_zeroes_every_byte_at_any_alignment_and_length() {
        let mut buf = vec![0xAAu8; 100];
        for start in 0..9 {
            for len in 0..(100 - start) {
                buf.fill(0xAA);
                unsafe { wipe(buf.as_mut_ptr().add(start), len) };
                assert!(buf[start..start + len].iter().all(|&b| b == 0), "start {start} len {len}");
                assert!(buf[..start].iter().chain(&buf[start + len..]).all(|&b| b == 0xAA), "outside touched: start {start} len {len}");
            }
        }
    }

    #[test]
    fn realloc_keeps_contents_growing_and_shrinking() {
        let mut v: Vec<u8> = Vec::with_capacity(1);
        for i in 0..100_000u32 {
            v.push(i as u8);
        }
        assert!(v.iter().enumerate().all(|(i, &b)| b == i as u8));
        v.truncate(10);
        v.shrink_to_fit();
        assert_eq!(v, (0..10).collect::<Vec<u8>>());
    }
}
