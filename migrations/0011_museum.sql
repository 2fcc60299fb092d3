-- Museums (CULTURE.md section 4): the catalogue, the custody events and the
-- images of museum objects. A museum is a venue of kind museum of the
-- e-ticketing module; museum_id below is that venue's id.
--
-- Every table here is a projection of the ledger kinds museum_object,
-- museum_event and museum_image, written in the same transaction as the
-- entry and rebuilt by ecinema verify --deep.

-- +goose Up

-- The current version of each object (SPECTRUM 5.1 object identification
-- and description). id is the path id; inventory_number is the museum's
-- own number (Cyrillic and '/' allowed), unique within the museum.
CREATE TABLE museum_objects (
  museum_id        text NOT NULL,
  id               text NOT NULL,
  version          int NOT NULL,
  inventory_number text NOT NULL,
  object_name      text NOT NULL,
  earliest         int,
  latest           int,
  published        boolean NOT NULL,
  search_text      text NOT NULL,
  body             jsonb NOT NULL,
  entry_seq        bigint NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (museum_id, id),
  CONSTRAINT museum_objects_inventory_number UNIQUE (museum_id, inventory_number)
);
CREATE INDEX museum_objects_published ON museum_objects (museum_id, id) WHERE published;

-- Every version of every object, oldest first.
CREATE TABLE museum_object_versions (
  museum_id   text NOT NULL,
  id          text NOT NULL,
  version     int NOT NULL,
  entry_seq   bigint NOT NULL,
  body        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (museum_id, id, version)
);

-- Procedures (SPECTRUM: object entry, acquisition/accession, location and
-- movement control, inventory, condition checking, loans out, object exit),
-- one row per museum_event entry, numbered per object.
CREATE TABLE museum_events (
  museum_id  text NOT NULL,
  object_id  text NOT NULL,
  n          int NOT NULL,
  type       text NOT NULL,
  at         timestamptz NOT NULL,
  location   text NOT NULL,
  note       text NOT NULL,
  actor      text NOT NULL,
  entry_seq  bigint NOT NULL,
  PRIMARY KEY (museum_id, object_id, n)
);

-- The state derived from an object's events: one current location (empty
-- when the object is not in the museum's custody) and the status.
CREATE TABLE museum_object_state (
  museum_id     text NOT NULL,
  object_id     text NOT NULL,
  status        text NOT NULL,
  location      text NOT NULL,
  home_location text NOT NULL,
  accessioned   boolean NOT NULL,
  events        int NOT NULL,
  last_at       timestamptz NOT NULL,
  entry_seq     bigint NOT NULL,
  PRIMARY KEY (museum_id, object_id)
);

-- Images of objects: the original upload and its derivatives (JPEG at
-- fixed widths, and the full size) are blobs named by SHA-256.
CREATE TABLE museum_images (
  id         text PRIMARY KEY,
  museum_id  text NOT NULL,
  object_id  text NOT NULL,
  n          int NOT NULL,
  version    int NOT NULL,
  width      int NOT NULL,
  height     int NOT NULL,
  media_type text NOT NULL,
  sha256     text NOT NULL,
  size       bigint NOT NULL,
  entry_seq  bigint NOT NULL,
  recorded_at timestamptz NOT NULL,
  UNIQUE (museum_id, object_id, n)
);

CREATE INDEX museum_objects_datestamp ON museum_objects (updated_at);

CREATE TABLE museum_image_sizes (
  image_id text NOT NULL,
  width    int NOT NULL,
  height   int NOT NULL,
  sha256   text NOT NULL,
  size     bigint NOT NULL,
  PRIMARY KEY (image_id, width)
);

-- +goose Down
DROP TABLE museum_image_sizes, museum_images, museum_object_state, museum_events,
  museum_object_versions, museum_objects;
