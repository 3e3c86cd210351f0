//! A Lambda deployment package made from one already built binary: the zip
//! `package --from-binaries` stages for a function.
//!
//! What Lambda needs of it: an OS-only runtime (`provided.al2023`) starts the executable named
//! `bootstrap` at the root of the zip (Lambda Developer Guide, "Building Lambda functions with
//! Rust"), and "Lambda needs 644 permissions for non-executable files (rw-r--r--) and 755
//! permissions (rwxr-xr-x) for directories and executable files" (Lambda Developer Guide,
//! "Deploying Lambda functions", deployment package file permissions): the entry is
//! `bootstrap`, a regular file of mode 0755 in the entry's unix external attributes.
//!
//! Deterministic: the entry's timestamp is fixed (1980-01-01 00:00:00, the zip format's
//! epoch), nothing else varies (no extra fields, no comment), so the same binary gives the same
//! bytes, hence the same content hash, version and S3 keys: CloudFormation updates a function's
//! code only when its `S3Key` changes, and a rebuild that changed nothing changes nothing.
//!
//! Stored, not deflated: the deploy tool runs as a debug build for local runs, where compressing
//! a 50 MB debug binary takes seconds per function, and a zip Lambda reads from S3 is limited by
//! its unzipped size (250 MB, Lambda quotas, "Deployment package (.zip file archive) size"), not
//! by its zipped size.

use std::io::{Cursor, Write};

use zip::{CompressionMethod, DateTime, ZipWriter, result::ZipError, write::SimpleFileOptions};

/// The entry Lambda's OS-only runtimes start.
pub const BOOTSTRAP: &str = "bootstrap";

/// Unix mode of the entry: `rwxr-xr-x`.
pub const BOOTSTRAP_MODE: u32 = 0o755;

/// The zip of `binary` as the function's `bootstrap`.
pub fn bootstrap_zip(binary: &[u8]) -> Result<Vec<u8>, ZipError> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(BOOTSTRAP_MODE)
        // ZIP64 only when the binary needs it (over 4 GiB), as `zip` itself decides.
        .large_file(binary.len() as u64 >= u64::from(u32::MAX));
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(binary.len() + 256)));
    writer.start_file(BOOTSTRAP, options)?;
    writer.write_all(binary)?;
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use zip::ZipArchive;

    use super::*;

    const BINARY: &[u8] = b"\x7fELF a function binary, as built";

    fn archive(bytes: Vec<u8>) -> ZipArchive<Cursor<Vec<u8>>> {
        ZipArchive::new(Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn the_zip_holds_one_entry_named_bootstrap_at_its_root_with_the_binary() {
        let mut zip = archive(bootstrap_zip(BINARY).unwrap());

        assert_eq!(zip.len(), 1);
        assert_eq!(zip.by_index(0).unwrap().name().unwrap(), "bootstrap");
        let mut entry = zip.by_name("bootstrap").unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, BINARY);
        assert!(entry.is_file());
    }

    #[test]
    fn bootstrap_is_executable_mode_0755() {
        let mut zip = archive(bootstrap_zip(BINARY).unwrap());

        let entry = zip.by_name("bootstrap").unwrap();

        // Regular file (S_IFREG) with rwxr-xr-x, as unzip and Lambda read the external attributes.
        assert_eq!(entry.unix_mode(), Some(0o100_755));
    }

    #[test]
    fn the_same_binary_gives_the_same_bytes_and_a_changed_one_other_bytes() {
        let first = bootstrap_zip(BINARY).unwrap();
        let again = bootstrap_zip(BINARY).unwrap();
        let changed = bootstrap_zip(b"\x7fELF another build").unwrap();

        assert_eq!(first, again);
        assert_ne!(first, changed);
    }

    #[test]
    fn the_entry_carries_the_fixed_timestamp_not_the_clock() {
        let mut zip = archive(bootstrap_zip(BINARY).unwrap());

        let entry = zip.by_name("bootstrap").unwrap();

        assert_eq!(entry.last_modified(), Some(DateTime::DEFAULT));
        assert!(entry.extra_data().as_deref().is_none_or(<[u8]>::is_empty));
    }
}
