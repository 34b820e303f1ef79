"""Missions: follow, accept, decline, withdraw, cancel, assign, remove, close.

Each command changes state through `bot.domain.lifecycle` (illegal moves are
refused with its sentence, before anything is written) and
`storage.missions` (a slot is taken by one conditional write, so the last
place has exactly one winner), then says so to everyone concerned.
"""
