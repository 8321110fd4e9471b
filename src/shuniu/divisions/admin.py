from django.contrib import admin

from shuniu.core.admin import ReferenceDataAdmin
from shuniu.divisions.models import Division, Population


@admin.register(Division)
class DivisionAdmin(ReferenceDataAdmin[Division]):
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


@admin.register(Population)
class PopulationAdmin(ReferenceDataAdmin[Population]):
    list_display = ["division", "name", "census", "population"]
    list_filter = ["census"]
    search_fields = ["division__code", "name"]
    raw_id_fields = ["division"]
