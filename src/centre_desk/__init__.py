"""Centre Desk: membership, referral and consent records for children's centres."""

__version__ = "0.1.0"
