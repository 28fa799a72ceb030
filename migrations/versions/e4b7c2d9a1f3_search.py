"""search: one index table for teams, initiatives, barriers, actions, stories, comments, people
and survey comments, with a weighted tsvector (GIN) and trigram index on PostgreSQL and an FTS5
table kept in step by triggers on SQLite

Revision ID: e4b7c2d9a1f3
Revises: c0a1e8f5e118
Create Date: 2026-12-02 14:20:00

The index starts empty: run ``flask search reindex`` after upgrading a database that has data
(``make run`` and the demo seed fill it as they write).
"""
from alembic import op
import sqlalchemy as sa


revision = 'e4b7c2d9a1f3'
down_revision = 'c0a1e8f5e118'
branch_labels = None
depends_on = None

KINDS = "'barrier', 'initiative', 'team', 'action', 'story', 'comment', 'survey_comment', 'person'"
AUDIENCES = "'all', 'restricted', 'survey'"


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('context', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_search_documents_kind_valid')),
    sa.CheckConstraint(f"audience IN ({AUDIENCES})", name=op.f('ck_search_documents_audience_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_documents_kind_object_id')),
    )
    op.create_index('ix_search_documents_team_id', 'search_documents', ['team_id'], unique=False)
    op.create_index('ix_search_documents_at', 'search_documents', ['at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Titles weigh A, bodies B; the config is the row's language (english, or spanish for
        # survey comments answered in Spanish). Generated, so no writer can forget it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector(CASE language WHEN 'spanish' THEN 'spanish'::regconfig"
            " ELSE 'english'::regconfig END, coalesce(title, '')), 'A') || "
            "setweight(to_tsvector(CASE language WHEN 'spanish' THEN 'spanish'::regconfig"
            " ELSE 'english'::regconfig END, coalesce(body, '')), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        op.execute(
            "CREATE INDEX ix_search_documents_title_trgm ON search_documents"
            " USING gin (lower(title) gin_trgm_ops)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents',"
            " content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN"
            " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN"
            " INSERT INTO search_fts(search_fts, rowid, title, body)"
            " VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN"
            " INSERT INTO search_fts(search_fts, rowid, title, body)"
            " VALUES ('delete', old.id, old.title, old.body);"
            " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index('ix_search_documents_at', table_name='search_documents')
    op.drop_index('ix_search_documents_team_id', table_name='search_documents')
    op.drop_table('search_documents')
