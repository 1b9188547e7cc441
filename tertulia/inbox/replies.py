"""The Saved replies page: the workspace's (owners and admins change them) and each member's
own. They are used from the reply box with `/` (see `conversations.replies`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tertulia.accounts.decorators import member_required
from tertulia.conversations.models import SavedReply
from tertulia.conversations.replies import (
    may_change,
    saved_replies_of,
    saved_reply_delete,
    saved_reply_save,
)

PERSONAL, WORKSPACE = "personal", "workspace"


class SavedReplyForm(forms.ModelForm):
    scope = forms.ChoiceField(
        label=gettext_lazy("Who can use it"),
        choices=[
            (WORKSPACE, gettext_lazy("Everyone in the workspace")),
            (PERSONAL, gettext_lazy("Only me")),
        ],
        initial=WORKSPACE,
    )

    class Meta:
        model = SavedReply
        fields = ("title", "shortcut", "language", "text")
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "shortcut": gettext_lazy("Type / and this in the reply box, e.g. hours."),
            "language": gettext_lazy("Offered to visitors chatting in it; empty: any language."),
            "text": gettext_lazy(
                "{name}, {email}, {phone}, {agent} and custom attributes such as {plan} are "
                "filled in for the visitor."
            ),
        }

    def __init__(self, data=None, *args, may_share: bool, **kwargs):
        if data is not None and "shortcut" in data:
            # "/hours" as typed in the reply box is the shortcut "hours".
            data = data.copy()
            data["shortcut"] = str(data["shortcut"]).strip().lstrip("/")
        super().__init__(data, *args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Any language")),
            *self.fields["language"].choices[1:],
        ]
        if not may_share:
            del self.fields["scope"]

    def clean_shortcut(self) -> str:
        return self.cleaned_data["shortcut"].lower()

    @property
    def personal(self) -> bool:
        return self.cleaned_data.get("scope", PERSONAL) == PERSONAL


@require_http_methods(["GET", "POST"])
@member_required
def saved_replies(request, pk: int | None = None):
    """The list, and the form to add one (or, with `pk`, to change it)."""
    member = request.member
    reply = None
    if pk is not None:
        reply = _visible(request, pk)
        if not may_change(member=member, reply=reply):
            raise PermissionDenied(_("Only owners and admins change the workspace's replies."))
    initial = {"scope": PERSONAL if reply and reply.owner_id else WORKSPACE}
    form = SavedReplyForm(
        request.POST or None, instance=reply, initial=initial, may_share=member.can("replies")
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = saved_reply_save(
                    member=member, data=form.cleaned_data, personal=form.personal, reply=reply
                )
            except ValidationError as error:
                form.add_error("shortcut", error)
            else:
                messages.success(
                    request, _("Saved reply /%(shortcut)s is saved.") % {"shortcut": saved.shortcut}
                )
                return redirect("replies:list")
        status = 400
    replies = saved_replies_of(member=member)
    context = {
        "form": form,
        "editing": reply,
        "workspace_replies": [r for r in replies if r.owner_id is None],
        "my_replies": [r for r in replies if r.owner_id is not None],
        "may_share": member.can("replies"),
    }
    return render(request, "replies/replies.html", context, status=status)


@require_POST
@member_required
def saved_reply_remove(request, pk: int):
    reply = _visible(request, pk)
    saved_reply_delete(member=request.member, reply=reply)
    messages.success(
        request, _("Saved reply /%(shortcut)s is deleted.") % {"shortcut": reply.shortcut}
    )
    return redirect("replies:list")


def _visible(request, pk: int) -> SavedReply:
    """A saved reply this member sees (the workspace's or their own); others' are 404."""
    member = request.member
    return get_object_or_404(
        SavedReply.objects.filter(Q(owner__isnull=True) | Q(owner=member)),
        pk=pk,
        workspace_id=member.workspace_id,
    )
