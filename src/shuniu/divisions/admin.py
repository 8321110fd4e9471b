from django.contrib import admin

from shuniu.divisions.models import Division


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin[Division]):
    list_display = [
        "code",
        "name",
        "name_en",
        "level",
        "parent",
        "valid_from",
        "valid_to",
        "successor",
    ]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["parent", "successor"]
