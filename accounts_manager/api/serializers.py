from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from accounts_manager.models import Assignment, FollowUp, FollowUpStatus, Notice, User
from common.roles import Role, role_of
from customers.models import Customer, Region


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=False, style={"input_type": "password"}
    )
    role = serializers.ChoiceField(choices=Role.choices)
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
        fields = ["id", "username", "password", "name", "email", "role", "region",
                  "employee_no", "supervisor", "phone", "is_active"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        role = role_of(instance) if instance.is_active else _stored_role(instance)
        data["role"] = role.value if role else None
        return data

    def validate_password(self, value: str) -> str:
        validate_password(value, self.instance)
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["A new user needs a password."]})
        return attrs


def _stored_role(user) -> Role | None:
    if user.is_superuser:
        return Role.ADMIN
    names = {g.name for g in user.groups.all()}
    return next((r for r in Role if r.value in names), None)


class ManagerSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "employee_no", "region", "supervisor",
                  "customer_count", "email", "phone", "is_active"]


class HandoverSerializer(serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.ACCOUNT_MANAGER, is_active=True)
    )
    effective = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class HandoverResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField()
    to = serializers.IntegerField()
    effective = serializers.DateField()


class AssignmentSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.ACCOUNT_MANAGER)
    )
    start = serializers.DateField(required=False)

    class Meta:
        model = Assignment
        fields = ["id", "customer", "manager", "start", "end", "reason", "created_at"]
        read_only_fields = ["end", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user)


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "customer", "manager", "kind", "due_at", "status", "summary", "source",
                  "link", "note", "closed_at", "created_at"]
        read_only_fields = ["id", "customer", "manager", "kind", "source", "link", "closed_at",
                            "created_at"]

    def validate_status(self, value):
        if self.instance is not None and value == FollowUpStatus.OPEN and (
            self.instance.status != FollowUpStatus.OPEN
        ):
            raise serializers.ValidationError("A closed follow-up cannot be reopened.")
        return value


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields
