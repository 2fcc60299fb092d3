// Package blobstore keeps uploaded files (bags, images, audio, books) by
// content: a file's name is the lowercase hex SHA-256 of its bytes
// (CULTURE.md section 0).
//
// # Invariants
//
//   - A blob is immutable. Put writes to a temporary file in the store's
//     own tmp directory, fsyncs it, and links it to its final name; an
//     existing blob of the same hash is never overwritten (the new copy is
//     discarded: same hash, same bytes). The directory is fsynced after the
//     link, so an acknowledged Put survives a crash.
//   - Bodies are streamed, never held whole in memory, hashed while they are
//     read, and cut at the size limit (ErrTooLarge); a failed or rejected Put
//     leaves nothing behind.
//   - The store holds bytes only. The database row that refers to a blob
//     keeps its hash, size and media type.
//
// # How a module plugs in
//
// Modules take a Store (the interface), never *FS, so an S3-compatible
// implementation can replace the filesystem one. internal/app builds one
// store for the process (App.Blobs) from ECINEMA_BLOB_DIR (default
// ./.data/blobs) and ECINEMA_MAX_UPLOAD (default 2 GiB), which cmd reads;
// tests use NewFS(t.TempDir(), 0).
//
//	info, err := blobs.Put(ctx, req.Body, 0) // 0: the store's limit
//	if errors.Is(err, blobstore.ErrTooLarge) { … 413 … }
//	// keep info.Hash, info.Size and the media type in your table
//	rc, err := blobs.Open(ctx, info.Hash)
//
// To hash with other algorithms at the same time (a BagIt sha512 manifest),
// wrap the reader in an io.TeeReader into those hashes before Put.
package blobstore
