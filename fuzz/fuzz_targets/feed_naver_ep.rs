#![no_main]
//! A feed in this format, whatever its bytes: read, normalised, never a panic.

use libfuzzer_sys::fuzz_target;
use moa_server::ingest::Format;

fuzz_target!(|data: &[u8]| {
    for format in [Format::NaverEp, Format::NaverEpSummary] {
        moa_fuzz::feed(format, data);
    }
});
