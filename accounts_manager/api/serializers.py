from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts_manager.models import FollowUp, Notice, User
from common.api.fields import OneZoneListSerializer
from common.roles import Role, stored_role
from customers.models import Assignment, Customer
from customers.portfolios import visible_managers
from grid.models import Region


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


@extend_schema_field(
    {
        "type": "string",
        "enum": [role.value for role in Role],
        "nullable": True,
        "description": "One of the roles; null for a user without any (made in the admin).",
    }
)
class RoleField(serializers.ChoiceField):
    """The user's role, read from their groups and written through the service."""

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, source="*", **kwargs)

    def to_representation(self, value):
        role = stored_role(value)
        return role.value if role else None

    def to_internal_value(self, data):
        return {"role": super().to_internal_value(data)}


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        max_length=128,
        style={"input_type": "password"},
        trim_whitespace=False,
    )
    role = RoleField()
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    supervisor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.SUPERVISOR),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "name",
            "email",
            "role",
            "region",
            "employee_no",
            "supervisor",
            "phone",
            "is_active",
        ]

    def validate_password(self, value: str) -> str:
        validate_password(value, self.instance)
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("A new user needs a password.")]})
        return attrs


class ManagerSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    customer_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "employee_no",
            "region",
            "supervisor",
            "customer_count",
            "email",
            "phone",
            "is_active",
        ]


@extend_schema_field(OpenApiTypes.INT)
class _VisibleManagerField(serializers.PrimaryKeyRelatedField):
    """An active account manager the caller may see (others read as missing)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return User.objects.none()
        return visible_managers(request.user).filter(is_active=True)


class HandoverSerializer(serializers.Serializer):
    to = _VisibleManagerField(help_text=_("User id of the manager who takes the portfolio."))
    effective = serializers.DateField(
        required=False,
        help_text=_(
            "First day of the new manager (default today); the old assignments end the day before."
        ),
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class HandoverResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField(help_text=_("Customers moved."))
    to = serializers.IntegerField()
    effective = serializers.DateField()


class AssignmentSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    manager = _VisibleManagerField()
    start = serializers.DateField(
        required=False, help_text=_("Default today. The open assignment ends the day before.")
    )

    class Meta:
        model = Assignment
        fields = ["id", "customer", "manager", "start", "end", "reason", "created_at"]
        read_only_fields = ["end", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only customers the caller sees can be chosen (a foreign id reads as missing).
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        list_serializer_class = OneZoneListSerializer
        model = FollowUp
        fields = [
            "id",
            "customer",
            "manager",
            "kind",
            "due_at",
            "status",
            "summary",
            "source",
            "link",
            "note",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "customer",
            "manager",
            "kind",
            "source",
            "link",
            "closed_at",
            "created_at",
            "updated_at",
        ]


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
