"""Zalo API layer: the Bot Platform and OA clients, webhook signature checks and inbound payload parsing."""
from zalo.bot_client import ZaloBotClient
from zalo.errors import (ZaloAuthError, ZaloBillingError, ZaloError, ZaloNetworkError, ZaloNightBlocked,
                         ZaloNoInteraction, ZaloPayloadRejected, ZaloQuotaExceeded, ZaloRateLimited,
                         ZaloTokenExpired, ZaloUserBlocked)
from zalo.oa_client import ZaloOaClient
from zalo.payloads import Attachment, SentMessage, ZaloInbound, parse_bot_update, parse_oa_event
from zalo.signature import verify_bot_secret, verify_oa_signature, verify_oa_webhook
from zalo.tokens import (DbTokenStore, MemoryTokenStore, OaTokens, TokenStore, replace_tokens,
                         seed_from_settings, seed_tokens)

__all__ = [
    "ZaloBotClient", "ZaloOaClient",
    "ZaloError", "ZaloAuthError", "ZaloBillingError", "ZaloNetworkError", "ZaloNightBlocked", "ZaloNoInteraction",
    "ZaloPayloadRejected", "ZaloQuotaExceeded", "ZaloRateLimited", "ZaloTokenExpired", "ZaloUserBlocked",
    "Attachment", "SentMessage", "ZaloInbound", "parse_bot_update", "parse_oa_event",
    "verify_bot_secret", "verify_oa_signature", "verify_oa_webhook",
    "DbTokenStore", "MemoryTokenStore", "OaTokens", "TokenStore",
    "replace_tokens", "seed_from_settings", "seed_tokens",
]
