// Package bagit reads, checks and writes BagIt bags as RFC 8493 (BagIt
// File Packaging Format 1.0) specifies them, inside zip or tar containers.
//
// Reading is one streaming pass over the container (Read): every regular
// file is hashed with SHA-256 and SHA-512 as it goes by, and only the small
// tag files at the bag's top (bagit.txt, bag-info.txt, manifests, tag
// manifests, fetch.txt) are kept in memory. Check then decides, from that
// inventory alone, whether the bag is complete and valid (RFC 8493 3):
//
//   - bagit.txt is exactly "BagIt-Version: M.N" and
//     "Tag-File-Character-Encoding: UTF-8";
//   - at least one payload manifest; every manifest and tag manifest is
//     manifest-<alg>.txt / tagmanifest-<alg>.txt with alg sha256 or sha512
//     (others cannot be checked here and are refused);
//   - manifest lines are "<hex digest> <path>", paths relative, without
//     "." or ".." parts, percent-encoding exactly %25, %0A and %0D (2.1.3);
//     payload manifests name files under data/ only, tag manifests files
//     outside data/ and never a tag manifest;
//   - every payload file is in every payload manifest and every listed
//     file exists (complete) with the listed digest (valid);
//   - Payload-Oxum, when present, equals the payload's octets and files;
//   - the required bag-info.txt labels are present;
//   - container entries are regular files or directories with relative,
//     clean names (no absolute paths, no "..", no links or devices).
//
// Every failure is a Problem naming the file and the check; Check reports
// them all, not just the first. Write produces a bag (zip) with SHA-512
// manifests that any BagIt validator accepts.
package bagit
