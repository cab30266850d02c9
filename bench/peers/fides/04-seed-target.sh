#!/usr/bin/env bash
# (Re)create the Fides target database "target_app", as ../shared/peers/fides/04-seed-target.sh
# does, with one change: every note of the target user ends with MARKER, a string unique to this
# seeding, so that a raw-byte scan of the heap, the WAL and Fides' own files counts this
# seeding's copies only (earlier runs' WAL stays out of the count).
# Usage: MARKER=... 04-seed-target.sh N [OTHER_CUSTOMERS] [BACKGROUND_NOTES]
set -euo pipefail
N="${1:?usage: $0 N [others] [background_notes]}"
OTHERS="${2:-10000}"
BG="${3:-200000}"
PGPORT="${PGPORT:-5433}"
TARGET_EMAIL="${TARGET_EMAIL:-target@example.com}"
MARKER="${MARKER:?set MARKER to a string unique to this seeding}"
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d target_app \
  -v n="$N" -v others="$OTHERS" -v bg="$BG" -v email="$TARGET_EMAIL" -v marker="$MARKER" <<'SQL'
drop table if exists note;
drop table if exists customer;
create table customer (
  id         serial primary key,
  email      text not null unique,
  name       text,
  city       text,
  created_at timestamptz not null default now()
);
create table note (
  id          bigserial primary key,
  customer_id int not null references customer(id),
  body        text not null,
  created_at  timestamptz not null default now()
);
insert into customer(email, name, city)
  select 'user' || g || '@example.com', 'User ' || g, 'City ' || (g % 100)
  from generate_series(1, :others) g;
insert into customer(email, name, city) values (:'email', 'Target Person', 'Berlin');
insert into note(customer_id, body)
  select (g % :others) + 1, 'note ' || g || ' written by another user'
  from generate_series(1, :bg) g;
insert into note(customer_id, body)
  select (select id from customer where email = :'email'), 'private note ' || g || ' of the target user ' || :'marker'
  from generate_series(1, :n) g;
create index note_customer_id_idx on note(customer_id);
analyze customer; analyze note;
SQL
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d target_app -Atc \
  "select 'customers=' || (select count(*) from customer) || ' notes=' || (select count(*) from note) || ' target_notes=' || (select count(*) from note n join customer c on c.id=n.customer_id where c.email='$TARGET_EMAIL')"
