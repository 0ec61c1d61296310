"""API of the official calendar: `GET /api/v1/calendar/?year=` (anyone signed in) and
`POST /api/v1/calendar/` (administrators: replaces the year)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common import workcalendar
from common.models import DayKind
from common.official_calendar import (
    MAX_YEAR,
    MIN_YEAR,
    POLICY,
    check_year,
    replace_calendar_year,
)


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=DayKind.choices)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class CalendarYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    complete = serializers.BooleanField(
        read_only=True, help_text="The year's official notice is entered in full."
    )
    # The metaclass takes declared fields off the class, so this does not shadow Field.source.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=500, help_text="The State Council notice."
    )
    days = CalendarDaySerializer(many=True, allow_empty=True)


def calendar_answer(year: int) -> dict:
    """The year as the product knows it: entered days, or the statutory ones only."""
    calendar = workcalendar.year_calendar(year)
    days: list[dict[str, Any]] = [
        {"date": day, "kind": DayKind.HOLIDAY, "name": name}
        for day, name in calendar.holidays.items()
    ] + [
        {"date": day, "kind": DayKind.WORKDAY, "name": name}
        for day, name in calendar.workdays.items()
    ]
    days.sort(key=lambda item: item["date"])
    return {
        "year": year,
        "complete": calendar.complete,
        "source": calendar.source,
        "days": days,
    }


class CalendarView(APIView):
    """The official calendar of one year: public holidays and make-up working days (调休)."""

    write_roles = POLICY.roles("enter_year")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, description="The year (default: the current one)."
            )
        ],
        responses={200: CalendarYearSerializer},
    )
    def get(self, request):
        raw = request.query_params.get("year")
        if raw is None:
            year = timezone.localdate().year
        else:
            try:
                year = check_year(int(raw))
            except ValueError:
                year = check_year(raw)  # not a number: refused (400 on `year`) like a bad one
        return Response(CalendarYearSerializer(calendar_answer(year)).data)

    @extend_schema(request=CalendarYearSerializer, responses={200: CalendarYearSerializer})
    def post(self, request):
        serializer = CalendarYearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        replace_calendar_year(
            year=data["year"],
            source=data["source"],
            days=[dict(day) for day in data["days"]],
            acting_user=request.user,
        )
        return Response(CalendarYearSerializer(calendar_answer(data["year"])).data)
