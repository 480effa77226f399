"""系统管理 API: reference data shared by every county (administrators change; staff read)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from safegrid.hazards import services as hazard_services
from safegrid.hazards.models import HazardType
from safegrid.regions.models import Department

from . import services
from .models import SafetyCategory


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyCategory
        fields = ["id", "code", "name", "group", "usually_unclaimed", "source", "active"]


class CategoryCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=50)
    group = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    usually_unclaimed = serializers.BooleanField(default=False)
    lead_department = serializers.IntegerField(required=False, allow_null=True, default=None,
                                               help_text="牵头部门 id：在该部门所在区县建立监管责任规则")


class CategoryUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    group = serializers.CharField(max_length=30, required=False, allow_blank=True)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class ManagedHazardTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = HazardType
        fields = ["id", "code", "name", "sort", "active"]


class HazardTypeCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=50)


class HazardTypeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    active = serializers.BooleanField(required=False)


class CategoryCreateView(APIView):
    """安全监管类别: a new category (e.g. charging stations), optionally with its lead department."""

    @extend_schema(request=CategoryCreateSerializer, responses={201: CategorySerializer})
    def post(self, request):
        body = CategoryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lead = data.pop("lead_department")
        department = get_object_or_404(Department, pk=lead, voided_at__isnull=True) if lead else None
        category = services.create_category(actor=request.user, lead_department=department, **data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryUpdateView(APIView):
    @extend_schema(request=CategoryUpdateSerializer, responses=CategorySerializer)
    def patch(self, request, pk):
        category = get_object_or_404(SafetyCategory, pk=pk)
        body = CategoryUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        category = services.update_category(category, actor=request.user, **body.validated_data)
        return Response(CategorySerializer(category).data)


class HazardTypeCreateView(APIView):
    """隐患类型."""

    @extend_schema(request=HazardTypeCreateSerializer, responses={201: ManagedHazardTypeSerializer})
    def post(self, request):
        body = HazardTypeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard_type = hazard_services.create_hazard_type(actor=request.user, **body.validated_data)
        return Response(ManagedHazardTypeSerializer(hazard_type).data, status=status.HTTP_201_CREATED)


class HazardTypeUpdateView(APIView):
    @extend_schema(request=HazardTypeUpdateSerializer, responses=ManagedHazardTypeSerializer)
    def patch(self, request, pk):
        hazard_type = get_object_or_404(HazardType, pk=pk)
        body = HazardTypeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard_type = hazard_services.update_hazard_type(hazard_type, actor=request.user, **body.validated_data)
        return Response(ManagedHazardTypeSerializer(hazard_type).data)
