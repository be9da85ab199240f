//! Whole-buffer gzip inflate with libdeflate, and a streaming fallback that handles
//! the rare files libdeflate's one-shot call cannot (several gzip members) and
//! measures exactly how far a damaged file decodes.

use std::io::Read;

use flate2::read::MultiGzDecoder;
use libdeflater::{DecompressionError, Decompressor};

/// The largest expansion DEFLATE can achieve (258-byte matches in 2-bit codes),
/// used to reject headers that claim more data than the compressed file can hold.
pub const MAX_DEFLATE_RATIO: usize = 1032;

/// True when the bytes begin with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// The most bytes a gzip file of `compressed_len` bytes can decompress to.
pub fn max_inflated_len(compressed_len: usize) -> usize {
    compressed_len
        .saturating_mul(MAX_DEFLATE_RATIO)
        .saturating_add(1 << 16)
}

/// Inflates the first `n` bytes (or fewer, if the stream is shorter).
///
/// Used to read the header before deciding how much memory the voxels need.
pub fn inflate_prefix(compressed: &[u8], n: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(n);
    MultiGzDecoder::new(compressed)
        .take(n as u64)
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip stream is corrupt at its start: {e}"))?;
    Ok(out)
}

/// Fills `out` with the first `out.len()` inflated bytes of `compressed`.
///
/// Bytes past `out.len()` (padding some writers leave) are ignored, as nibabel does.
/// Errors say how many bytes decoded before the stream ended or broke.
pub fn inflate_exact(compressed: &[u8], out: &mut [u8]) -> Result<(), String> {
    let mut decompressor = Decompressor::new();
    match decompressor.gzip_decompress(compressed, out) {
        Ok(n) if n == out.len() => Ok(()),
        // Shorter than needed: either several gzip members (libdeflate's one-shot
        // call stops after the first) or a truncated file. The stream decoder tells which.
        Ok(_) | Err(DecompressionError::BadData) | Err(DecompressionError::InsufficientSpace) => {
            inflate_streaming(compressed, out)
        }
    }
}

fn inflate_streaming(compressed: &[u8], out: &mut [u8]) -> Result<(), String> {
    let mut decoder = MultiGzDecoder::new(compressed);
    let mut filled = 0;
    while filled < out.len() {
        match decoder.read(&mut out[filled..]) {
            Ok(0) => {
                return Err(format!(
                    "file is truncated: the gzip stream ends after {filled} of the {} bytes the header requires",
                    out.len()
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(format!(
                    "gzip data is truncated or corrupt after {filled} of the {} bytes the header requires ({e})",
                    out.len()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn single_member_round_trips() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = vec![0u8; data.len()];
        inflate_exact(&gz(&data), &mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn several_members_are_concatenated() {
        let a = vec![1u8; 5000];
        let b = vec![2u8; 7000];
        let mut stream = gz(&a);
        stream.extend(gz(&b));
        let mut out = vec![0u8; 12000];
        inflate_exact(&stream, &mut out).unwrap();
        assert_eq!(&out[..5000], &a[..]);
        assert_eq!(&out[5000..], &b[..]);
    }

    #[test]
    fn trailing_bytes_beyond_the_request_are_ignored() {
        let data = vec![7u8; 10_000];
        let mut out = vec![0u8; 6_000];
        inflate_exact(&gz(&data), &mut out).unwrap();
        assert!(out.iter().all(|&v| v == 7));
    }

    #[test]
    fn truncation_reports_how_far_it_got() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let stream = gz(&data);
        let cut = &stream[..stream.len() / 2];
        let mut out = vec![0u8; data.len()];
        let err = inflate_exact(cut, &mut out).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
        assert!(err.contains("of the 200000 bytes"), "{err}");
    }

    #[test]
    fn a_short_stream_is_reported_as_truncated() {
        let mut out = vec![0u8; 2000];
        let err = inflate_exact(&gz(&[3u8; 1000]), &mut out).unwrap_err();
        assert!(err.contains("ends after 1000 of the 2000 bytes"), "{err}");
    }
}
