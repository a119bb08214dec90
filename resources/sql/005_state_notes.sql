-- Schema 5: a note on a named state ("Save state…" in the app, `rwkv-cli state save --note`),
-- carried by state export and import (the transfer format's "note"). Empty for every other
-- snapshot and for states saved before.
ALTER TABLE snapshots ADD COLUMN note TEXT NOT NULL DEFAULT '';
