-- Templates with zones (issue 14, part A): a board's zones (title, position, size, colour),
-- one JSON list sealed with the organisation's key like the title and legend. NULL: no zones.
-- Cards are not tied to a zone in storage: a card belongs to the zone its anchor point lies in.
ALTER TABLE boards ADD COLUMN zones BYTEA;
