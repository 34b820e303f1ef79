"""All repositories over one database, handed to handlers as `ctx.store`."""

from __future__ import annotations

from pathlib import Path

from storage.absences import AbsenceRepository
from storage.candidates import CandidateRepository
from storage.confirmations import ConfirmationRepository
from storage.craft import CraftRepository
from storage.db import Database
from storage.facilitators import FacilitatorRepository
from storage.feedback import FeedbackRepository
from storage.languages import LanguageRepository
from storage.mission_rooms import MissionRoomRepository
from storage.missions import MissionRepository
from storage.network_events import NetworkEventRepository
from storage.notes import NoteRepository
from storage.outbox import OutboxRepository
from storage.privacy import PrivacyRepository
from storage.qualifications import QualificationRepository
from storage.reports import ReportRepository
from storage.requests import RequestRepository
from storage.reserves import ReserveRepository
from storage.schedule import JobRepository
from storage.state import StateRepository
from storage.undecryptable import UndecryptableRepository


class Store:
    """The repositories, sharing one connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.requests = RequestRepository(db)
        self.state = StateRepository(db)
        self.outbox = OutboxRepository(db)
        self.facilitators = FacilitatorRepository(db)
        self.absences = AbsenceRepository(db)
        self.candidates = CandidateRepository(db)
        self.missions = MissionRepository(db)
        self.privacy = PrivacyRepository(db)
        self.reports = ReportRepository(db)
        self.jobs = JobRepository(db)
        self.network_events = NetworkEventRepository(db)
        self.feedback = FeedbackRepository(db)
        self.undecryptable = UndecryptableRepository(db)
        self.notes = NoteRepository(db)
        self.languages = LanguageRepository(db)
        self.confirmations = ConfirmationRepository(db)
        self.mission_rooms = MissionRoomRepository(db)
        self.qualifications = QualificationRepository(db)
        self.reserves = ReserveRepository(db)
        self.craft = CraftRepository(db)

    async def forget(self, user_id: str) -> dict[str, int]:
        """Erase a person (`PrivacyRepository.forget`) and what the caches still hold of
        them (language, DM room); return how many rows each step touched."""
        counts = await self.privacy.forget(user_id)
        self.languages.forget_cached(user_id)
        self.state.forget_cached(user_id)
        return counts

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open the database (migrating it) and build the repositories."""
        return cls(await Database.open(path))

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
