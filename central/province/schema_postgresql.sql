-- The province's tables in PostgreSQL: the same columns as the SQLite
-- migration 0090_province (central/migrations.py), times as ISO text in both
-- so the same SQL compares them the same way. Frozen: a change is a new
-- statement at the end, never an edit of one that has shipped.

create table if not exists province_centres (
    center text primary key,
    name text,
    link text not null default 'unknown' check (link in ('up', 'down', 'unknown')),
    link_since text,
    first_seen text not null,
    last_message_at text not null
);

create table if not exists province_link_log (
    id bigserial primary key,
    center text not null,
    link text not null,
    at text not null
);

create table if not exists province_state (
    center text not null,
    name text not null,
    payload text not null,
    received_at text not null,
    primary key (center, name)
);

create table if not exists province_ticket_events (
    center text not null,
    event_id bigint not null,
    at text not null,
    day text not null,
    action text not null,
    to_status text not null,
    ticket_id bigint not null,
    display text not null,
    service text not null,
    counter integer,
    officer text,
    officer_name text,
    stored_at text not null,
    primary key (center, event_id)
);
create index if not exists province_ticket_events_day on province_ticket_events(day, center);

create table if not exists province_dossiers (
    center text not null,
    code text not null,
    dossier_id bigint not null,
    procedure_code text not null,
    procedure_name text not null,
    procedure_field text,
    procedure_level text,
    department_code text,
    department_name text,
    channel text not null,
    status integer not null,
    stage text not null,
    time_limit double precision,
    time_unit text,
    received_at text,
    received_by text,
    due_at text,
    apology_due_at text,
    paused_at text,
    supplement_count integer not null default 0,
    result_at text,
    classification text,
    returned_at text,
    closed_at text,
    updated_at text not null,
    version bigint not null,
    stored_at text not null,
    primary key (center, code)
);
create index if not exists province_dossiers_open on province_dossiers(stage, due_at);

create table if not exists province_dossier_events (
    center text not null,
    event_id bigint not null,
    code text not null,
    at text not null,
    action text not null,
    from_status integer,
    to_status integer not null,
    due_at text,
    classification text,
    primary key (center, event_id)
);
create index if not exists province_dossier_events_by_code
    on province_dossier_events(center, code, event_id);

create table if not exists province_ratings (
    center text not null,
    rating_id bigint not null,
    counter integer not null,
    officer text,
    officer_name text,
    level text not null,
    score integer not null,
    rated_at text not null,
    primary key (center, rating_id)
);
