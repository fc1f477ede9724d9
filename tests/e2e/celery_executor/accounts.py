"""The emulator's accounts in the distributed deployment, one set per scenario so none reads another's clues."""

# the waiting example's: the connection's default user (the emulator's first)
WAITING_USER = "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6"
# the backfill's mapped pull, one mapped task per account and interval
MAPPED_USERS = [
    "40863af8-db4a-41c6-a269-eb5bc386d97f",
    "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11",
    "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
]
# the slow pull whose worker is killed
SLOW_USER = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
ALL_USERS = (WAITING_USER, *MAPPED_USERS, SLOW_USER)
