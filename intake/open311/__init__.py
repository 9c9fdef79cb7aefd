"""Open311 GeoReport v2 for platform pushes (12345 hotline, online portal): https://wiki.open311.org/GeoReport_v2"""
