//! Visit photos: how big they may be, what they are stamped with, and how a
//! resumable upload proceeds (chunks appended at the offset the server has
//! reached, so a dropped connection resumes instead of starting over).

use crate::visit::GeoPoint;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// Longest side of a stored photo, in pixels.
pub const MAX_SIDE_PX: u32 = 1600;
/// Largest photo the server keeps. A 1600 px JPEG is a few hundred KB.
pub const MAX_PHOTO_BYTES: u64 = 3 * 1024 * 1024;
/// The only type accepted (photos are re-encoded as JPEG on the phone).
pub const CONTENT_TYPE: &str = "image/jpeg";
/// How much the app sends per request.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The size to draw a `width`×`height` picture at so its longest side is
/// at most [`MAX_SIDE_PX`] (never enlarged).
pub fn scaled(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= MAX_SIDE_PX || longest == 0 {
        return (width, height);
    }
    let scale = f64::from(MAX_SIDE_PX) / f64::from(longest);
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// The lines burned into a visit photo when it is taken, so an old photo
/// cannot pass for today's visit.
pub fn stamp_lines(customer: &str, at: DateTime<Utc>, offset_minutes: i32, point: GeoPoint) -> Vec<String> {
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let (h, m) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
    vec![
        customer.to_owned(),
        format!(
            "{} UTC{sign}{h:02}:{m:02}",
            at.with_timezone(&offset).format("%Y-%m-%d %H:%M:%S")
        ),
        format!("{:.6}, {:.6}", point.lat, point.lon),
    ]
}

/// How far an upload has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadState {
    pub received: u64,
    pub total: u64,
    pub complete: bool,
}

/// Why a chunk was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkRefusal {
    /// The request itself is wrong (size, type, bytes): 4xx with a message.
    Invalid(String),
    TooLarge,
    /// The chunk does not start where the server stands: resume from there.
    WrongOffset {
        received: u64,
    },
}

/// Checks one chunk of `len` bytes at `offset` for an upload of `total`
/// bytes, given what arrived before (`None`: nothing yet). `head` is the
/// chunk's first bytes, `tail_of_file` the last bytes when the chunk ends
/// the file. Returns the state after appending it.
pub fn accept_chunk(
    before: Option<UploadState>,
    content_type: &str,
    total: u64,
    offset: u64,
    len: u64,
    head: &[u8],
    tail_of_file: &[u8],
) -> Result<UploadState, ChunkRefusal> {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case(CONTENT_TYPE) {
        return Err(ChunkRefusal::Invalid(format!(
            "photos are uploaded as {CONTENT_TYPE}, not {content_type:?}"
        )));
    }
    if total > MAX_PHOTO_BYTES {
        return Err(ChunkRefusal::TooLarge);
    }
    if total == 0 || len == 0 {
        return Err(ChunkRefusal::Invalid("an upload needs at least one byte".into()));
    }
    let received = match before {
        Some(state) if state.total != total => {
            return Err(ChunkRefusal::Invalid(format!(
                "this photo was started as {} bytes, not {total}",
                state.total
            )))
        }
        Some(state) if state.complete => return Ok(state),
        Some(state) => state.received,
        None => 0,
    };
    if offset != received {
        return Err(ChunkRefusal::WrongOffset { received });
    }
    if offset + len > total {
        return Err(ChunkRefusal::Invalid("the chunk runs past the photo's size".into()));
    }
    if offset == 0 && !head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(ChunkRefusal::Invalid("this is not a JPEG photo".into()));
    }
    let complete = offset + len == total;
    if complete && !tail_of_file.ends_with(&[0xFF, 0xD9]) {
        return Err(ChunkRefusal::Invalid(
            "the photo is cut off (no JPEG end marker)".into(),
        ));
    }
    Ok(UploadState {
        received: offset + len,
        total,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG_HEAD: [u8; 4] = [0xFF, 0xD8, 0xFF, 0xE0];
    const JPEG_TAIL: [u8; 2] = [0xFF, 0xD9];

    #[test]
    fn big_photos_shrink_to_1600_on_the_long_side_and_small_ones_stay() {
        assert_eq!(scaled(4032, 3024), (1600, 1200));
        assert_eq!(scaled(3024, 4032), (1200, 1600));
        assert_eq!(scaled(800, 600), (800, 600));
    }

    #[test]
    fn stamp_names_customer_local_time_and_place() {
        let at: DateTime<Utc> = "2026-11-23T02:05:09Z".parse().unwrap();
        let lines = stamp_lines("华信科技", at, 480, GeoPoint::new(39.9087, 116.4605).unwrap());
        assert_eq!(
            lines,
            ["华信科技", "2026-11-23 10:05:09 UTC+08:00", "39.908700, 116.460500"]
        );
    }

    #[test]
    fn an_upload_in_two_chunks_completes() {
        let first = accept_chunk(None, "image/jpeg", 10, 0, 6, &JPEG_HEAD, &[]).unwrap();
        assert_eq!(
            first,
            UploadState {
                received: 6,
                total: 10,
                complete: false
            }
        );
        let done = accept_chunk(Some(first), "image/jpeg", 10, 6, 4, &[1, 2], &JPEG_TAIL).unwrap();
        assert!(done.complete);
        // Sending the last chunk again (a retry after a lost answer) is fine.
        assert_eq!(
            accept_chunk(Some(done), "image/jpeg", 10, 6, 4, &[1, 2], &JPEG_TAIL),
            Ok(done)
        );
    }

    #[test]
    fn a_chunk_at_the_wrong_offset_says_where_to_resume() {
        let state = UploadState {
            received: 6,
            total: 10,
            complete: false,
        };
        assert_eq!(
            accept_chunk(Some(state), "image/jpeg", 10, 0, 6, &JPEG_HEAD, &[]),
            Err(ChunkRefusal::WrongOffset { received: 6 })
        );
    }

    #[test]
    fn wrong_type_size_or_bytes_are_refused() {
        assert!(matches!(
            accept_chunk(None, "image/png", 10, 0, 10, &JPEG_HEAD, &JPEG_TAIL),
            Err(ChunkRefusal::Invalid(m)) if m.contains("image/jpeg")
        ));
        assert_eq!(
            accept_chunk(None, "image/jpeg", MAX_PHOTO_BYTES + 1, 0, 10, &JPEG_HEAD, &[]),
            Err(ChunkRefusal::TooLarge)
        );
        assert!(matches!(
            accept_chunk(None, "image/jpeg", 10, 0, 10, b"GIF89a", &JPEG_TAIL),
            Err(ChunkRefusal::Invalid(m)) if m.contains("not a JPEG")
        ));
        assert!(matches!(
            accept_chunk(None, "image/jpeg", 10, 0, 10, &JPEG_HEAD, &[0, 0]),
            Err(ChunkRefusal::Invalid(m)) if m.contains("cut off")
        ));
        assert!(matches!(
            accept_chunk(None, "image/jpeg", 10, 0, 12, &JPEG_HEAD, &JPEG_TAIL),
            Err(ChunkRefusal::Invalid(_))
        ));
    }
}
