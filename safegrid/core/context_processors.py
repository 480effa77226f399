from django.conf import settings


def platform(request):
    return {
        "platform_name": settings.SAFEGRID_PLATFORM_NAME,
        "basemap_url": settings.SAFEGRID_BASEMAP_URL,
        "basemap_attribution": settings.SAFEGRID_BASEMAP_ATTRIBUTION,
    }
