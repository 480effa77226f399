from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.audit.services import record

from .models import User
from .services import login_check


class MeSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    department = serializers.CharField(source="department.name", default=None, read_only=True)
    scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "role_display", "department", "scope"]

    def get_scope(self, user) -> list[str]:
        return user.scope_paths()


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名")
    password = serializers.CharField(label="密码", style={"input_type": "password"})


class TokenView(APIView):
    """Exchange a username and password for an API token (same lockout rules as the login page)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: dict})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = login_check(request, data.validated_data["username"], data.validated_data["password"])
        token, created = Token.objects.get_or_create(user=user)
        if created:
            record("token_issue", user, actor=user)
        return Response({"token": token.key})
