//! Drops the `name` custom section (function names, debug only) from the Worker's wasm.
//!
//! worker-build runs wasm-opt with `--debuginfo`, which keeps the section: about 280 KB raw
//! and 70 KB gzip of a 720 KB (gzip) Worker (BENCHMARKS.md). `strip = true` in the release
//! profile would drop it too, but also drops `target_features`, which wasm-bindgen reads,
//! and would apply to the widget as well.

use crate::{Error, Result};
use std::path::Path;

/// Removes every custom section named `name` from the module at `path`, in place. Returns
/// the bytes saved.
pub fn strip_names(path: &Path) -> Result<u64> {
    let module = std::fs::read(path)?;
    let stripped = without_custom_section(&module, "name")
        .ok_or_else(|| Error::new(format!("{} is not a wasm module", path.display())))?;
    let saved = (module.len() - stripped.len()) as u64;
    if saved > 0 {
        std::fs::write(path, stripped)?;
    }
    Ok(saved)
}

/// The module without custom sections called `name`, or `None` when it does not parse.
pub fn without_custom_section(module: &[u8], name: &str) -> Option<Vec<u8>> {
    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    if !module.starts_with(HEADER) {
        return None;
    }
    let mut out = HEADER.to_vec();
    let mut at = HEADER.len();
    while at < module.len() {
        let start = at;
        let id = module[at];
        let (size, body) = leb128(module, at + 1)?;
        let end = body.checked_add(usize::try_from(size).ok()?)?;
        if end > module.len() {
            return None;
        }
        let drop = id == 0 && {
            let (len, text) = leb128(module, body)?;
            let text_end = text.checked_add(usize::try_from(len).ok()?)?;
            module.get(text..text_end) == Some(name.as_bytes())
        };
        if !drop {
            out.extend_from_slice(&module[start..end]);
        }
        at = end;
    }
    Some(out)
}

/// An unsigned LEB128 number at `at`: its value and the offset after it.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut section = vec![0, body.len() as u8];
        section.extend(body);
        section
    }

    #[test]
    fn drops_only_the_name_section() {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        let types = [1u8, 4, 1, 0x60, 0, 0]; // type section: one `() -> ()`
        module.extend_from_slice(&types);
        module.extend(custom("name", &[1, 2, 3]));
        module.extend(custom("producers", &[9]));
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend_from_slice(&types);
        expected.extend(custom("producers", &[9]));
        assert_eq!(without_custom_section(&module, "name"), Some(expected));
    }

    #[test]
    fn rejects_what_is_not_wasm() {
        assert_eq!(without_custom_section(b"not wasm", "name"), None);
        // A section claiming more bytes than there are.
        assert_eq!(
            without_custom_section(b"\0asm\x01\0\0\0\x01\x7f", "name"),
            None
        );
    }
}
