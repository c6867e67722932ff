"""Unit of work over one SQLAlchemy session: rolls back unless ``commit()`` is called."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from .consents import SqlConsentRepository
from .drafts import SqlDraftRepository
from .duplicates import SqlDismissalRepository
from .households import SqlHouseholdRepository
from .referrals import SqlReferralRepository
from .repositories import SqlAuditLog, SqlSettingsRepository, SqlStaffRepository
from .retention import SqlRetentionRepository
from .rights import SqlRightsRepository
from .sessions import SqlSessionRepository
from .sync_store import SqlSyncRepository


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.staff = SqlStaffRepository(self.session)
        self.settings = SqlSettingsRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        self.households = SqlHouseholdRepository(self.session)
        self.drafts = SqlDraftRepository(self.session)
        self.consents = SqlConsentRepository(self.session)
        self.referrals = SqlReferralRepository(self.session)
        self.duplicates = SqlDismissalRepository(self.session)
        self.retention = SqlRetentionRepository(self.session)
        self.rights = SqlRightsRepository(self.session)
        self.sync = SqlSyncRepository(self.session)
        self.sessions = SqlSessionRepository(self.session)
        self._extend(self.session)
        return self

    def _extend(self, session: Session) -> None:
        """Hook for repositories added by later features (records, search, consents...)."""

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()
        self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
