"""All tables; importing this package registers them on SQLModel.metadata."""
from storage.models.directory import Unit, UnitGroup, UnitGroupMember, UnitKind
from storage.models.plans import (
    Assignment, Channel, Evidence, Plan, Role, Status, StatusChange, Task,
)
from storage.models.chat import (
    ChatLink, ChatState, ChatUser, ExtensionRequest, InboundEvent, Invite, InviteAttempt, KeyValue, MemberRole,
    MessageRef, ProcessedUpdate,
)
from storage.models.reminders import Reminder, ReminderSnooze, ReminderState
from storage.models.web import WebLink

__all__ = [
    "Assignment", "Channel", "ChatLink", "ChatState", "ChatUser", "Evidence", "ExtensionRequest", "InboundEvent",
    "Invite", "InviteAttempt", "KeyValue", "MemberRole", "MessageRef", "Plan", "ProcessedUpdate", "Reminder",
    "ReminderSnooze", "ReminderState", "Role", "Status",
    "StatusChange", "Task", "Unit", "UnitGroup", "UnitGroupMember", "UnitKind", "WebLink",
]
