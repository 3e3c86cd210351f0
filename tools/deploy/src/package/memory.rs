//! An in-memory [`ArtifactStore`] for unit tests.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use crate::package::{ArtifactStore, StoreError};

/// `(bucket, key)` → `(body, content type)`.
type Objects = BTreeMap<(String, String), (Vec<u8>, String)>;

/// Buckets and objects in memory.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore {
    pub(crate) buckets: Mutex<BTreeSet<String>>,
    pub(crate) objects: Mutex<Objects>,
}

impl MemoryStore {
    pub(crate) fn with_bucket(bucket: &str) -> Self {
        let store = Self::default();
        store.buckets.lock().unwrap().insert(bucket.to_owned());
        store
    }

    pub(crate) fn object(&self, bucket: &str, key: &str) -> Option<(Vec<u8>, String)> {
        self.objects
            .lock()
            .unwrap()
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    pub(crate) fn text(&self, bucket: &str, key: &str) -> String {
        String::from_utf8(self.object(bucket, key).expect(key).0).unwrap()
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        self.objects
            .lock()
            .unwrap()
            .keys()
            .map(|(_, key)| key.clone())
            .collect()
    }
}

impl ArtifactStore for MemoryStore {
    async fn ensure_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        self.buckets.lock().unwrap().insert(bucket.to_owned());
        Ok(())
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StoreError> {
        if !self.buckets.lock().unwrap().contains(bucket) {
            return Err(StoreError {
                operation: "PutObject",
                message: format!("NoSuchBucket: {bucket}"),
            });
        }
        self.objects.lock().unwrap().insert(
            (bucket.to_owned(), key.to_owned()),
            (body, content_type.to_owned()),
        );
        Ok(())
    }
}
