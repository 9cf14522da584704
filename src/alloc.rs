//! Which allocator the process uses, chosen once from the command line before `main` runs:
//! mimalloc for the commands that run long or allocate a lot (serve, index, eval, report,
//! `search --batch`), the system's for one-shot commands (a single `search`, `show`,
//! `tokenize`). mimalloc is faster per allocation (glibc's malloc was ~18% of the server's
//! CPU under load), but its start-up (options read from the environment, a 1 GiB arena
//! reserved and its first huge page zeroed) is a tenth of a one-shot search (BENCHMARKS.md).
//!
//! The choice is fixed before the first allocation and never changes, so every block is
//! freed by the allocator that made it: [`choose`] runs from `.init_array` (glibc passes
//! it `argc` and `argv`; nothing in this program allocates before it), and an allocation
//! that somehow came first would fix the choice to mimalloc.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use mimalloc::MiMalloc;

const UNSET: u8 = 0;
const MIMALLOC: u8 = 1;
const SYSTEM: u8 = 2;

static CHOICE: AtomicU8 = AtomicU8::new(UNSET);

/// The global allocator: [`System`] or [`MiMalloc`], as [`choose`] decided.
pub struct Chosen;

impl Chosen {
    #[inline]
    fn system(&self) -> bool {
        match CHOICE.load(Ordering::Relaxed) {
            SYSTEM => true,
            MIMALLOC => false,
            _ => {
                let _ = CHOICE.compare_exchange(UNSET, MIMALLOC, Ordering::Relaxed, Ordering::Relaxed);
                CHOICE.load(Ordering::Relaxed) == SYSTEM
            }
        }
    }
}

// SAFETY: each call goes to one allocator, the same one for the whole process (see the
// module comment), and passes its arguments through unchanged.
unsafe impl GlobalAlloc for Chosen {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `GlobalAlloc` contract, passed on unchanged to the allocator
        // chosen for the whole process.
        if self.system() { unsafe { System.alloc(layout) } } else { unsafe { MiMalloc.alloc(layout) } }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `GlobalAlloc` contract, passed on unchanged to the allocator
        // chosen for the whole process.
        if self.system() { unsafe { System.alloc_zeroed(layout) } } else { unsafe { MiMalloc.alloc_zeroed(layout) } }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's `GlobalAlloc` contract, passed on unchanged to the allocator
        // chosen for the whole process.
        if self.system() { unsafe { System.dealloc(ptr, layout) } } else { unsafe { MiMalloc.dealloc(ptr, layout) } }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's `GlobalAlloc` contract, passed on unchanged to the allocator
        // chosen for the whole process.
        if self.system() { unsafe { System.realloc(ptr, layout, new_size) } } else { unsafe { MiMalloc.realloc(ptr, layout, new_size) } }
    }
}

/// Whether the command line (program name first) is a one-shot command.
pub fn one_shot<'a>(args: impl IntoIterator<Item = &'a [u8]>) -> bool {
    let mut args = args.into_iter().skip(1);
    match args.next() {
        Some(b"show" | b"tokenize") => true,
        Some(b"search") => !args.any(|a| a == b"--batch" || a.starts_with(b"--batch=")),
        _ => false,
    }
}

/// Runs before `main` (glibc calls `.init_array` functions with `argc`, `argv`, `envp`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn choose(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char, _envp: *const *const std::ffi::c_char) {
    if argv.is_null() || argc < 2 {
        return;
    }
    // SAFETY: glibc passes the process's argument vector: `argc` valid C strings.
    let args = (0..argc as usize).map(|i| unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) }.to_bytes());
    if one_shot(args) {
        let _ = CHOICE.compare_exchange(UNSET, SYSTEM, Ordering::Relaxed, Ordering::Relaxed);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE: extern "C" fn(std::ffi::c_int, *const *const std::ffi::c_char, *const *const std::ffi::c_char) = choose;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_commands_are_told_from_long_ones() {
        let line = |s: &str| one_shot(s.split(' ').map(str::as_bytes).collect::<Vec<_>>());
        for one in ["faq search 領収書", "faq search --json --limit 3 返品", "faq show a1", "faq tokenize 領収書"] {
            assert!(line(one), "{one}");
        }
        for long in ["faq serve", "faq index", "faq search --batch q.txt", "faq search --batch=q.txt", "faq eval", "faq report", "faq"] {
            assert!(!line(long), "{long}");
        }
    }
}
