"""Per-site facts: currency, decimals, country, rough borders, states, MCCs, fees.

States and bounding boxes are deliberately coarse: enough to catch a store
created in the wrong country or with a misspelt state, not a geography lesson.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Site:
    site_id: str
    country_id: str  # ISO 3166 alpha-2, as in /users/me
    country_code: str  # alpha-3, as in Orders API `country_code`
    country_name: str
    city: str  # merchant city for the EMV payload
    currency: str
    currency_numeric: str  # ISO 4217 numeric, for EMV tag 53
    decimals: int
    # (lat_min, lat_max, lon_min, lon_max): a rough box around the country
    bbox: tuple[float, float, float, float]
    states: tuple[str, ...]
    mcc_gastronomy: int
    mcc_gas_station: int
    fee_percent: str  # illustrative default, see README


SITES: dict[str, Site] = {
    "MLA": Site(
        "MLA", "AR", "ARG", "Argentina", "Buenos Aires", "ARS", "032", 2,
        (-55.1, -21.7, -73.6, -53.6),
        (
            "Capital Federal", "Buenos Aires", "Catamarca", "Chaco", "Chubut",
            "Córdoba", "Corrientes", "Entre Ríos", "Formosa", "Jujuy", "La Pampa",
            "La Rioja", "Mendoza", "Misiones", "Neuquén", "Río Negro", "Salta",
            "San Juan", "San Luis", "Santa Cruz", "Santa Fe",
            "Santiago del Estero", "Tierra del Fuego", "Tucumán",
        ),
        621102, 473000, "0.99",
    ),
    "MLB": Site(
        "MLB", "BR", "BRA", "Brasil", "Sao Paulo", "BRL", "986", 2,
        (-33.8, 5.3, -74.0, -34.7),
        (
            "Acre", "Alagoas", "Amapá", "Amazonas", "Bahia", "Ceará",
            "Distrito Federal", "Espírito Santo", "Goiás", "Maranhão",
            "Mato Grosso", "Mato Grosso do Sul", "Minas Gerais", "Pará", "Paraíba",
            "Paraná", "Pernambuco", "Piauí", "Rio de Janeiro",
            "Rio Grande do Norte", "Rio Grande do Sul", "Rondônia", "Roraima",
            "Santa Catarina", "São Paulo", "Sergipe", "Tocantins",
        ),
        5611203, 4731300, "0.99",
    ),
    "MLM": Site(
        "MLM", "MX", "MEX", "México", "Ciudad de Mexico", "MXN", "484", 2,
        (14.5, 32.8, -118.5, -86.7),
        (
            "Aguascalientes", "Baja California", "Baja California Sur",
            "Campeche", "Chiapas", "Chihuahua", "Ciudad de México", "Coahuila",
            "Colima", "Distrito Federal", "Durango", "Estado de México",
            "Guanajuato", "Guerrero", "Hidalgo", "Jalisco", "Michoacán", "Morelos",
            "Nayarit", "Nuevo León", "Oaxaca", "Puebla", "Querétaro",
            "Quintana Roo", "San Luis Potosí", "Sinaloa", "Sonora", "Tabasco",
            "Tamaulipas", "Tlaxcala", "Veracruz", "Yucatán", "Zacatecas",
        ),
        5812, 468419, "3.49",
    ),
    "MLC": Site(
        "MLC", "CL", "CHL", "Chile", "Santiago", "CLP", "152", 0,
        (-56.0, -17.4, -76.0, -66.4),
        (
            "RM (Santiago)", "Región Metropolitana", "Arica y Parinacota",
            "Tarapacá", "Antofagasta", "Atacama", "Coquimbo", "Valparaíso",
            "O'Higgins", "Maule", "Ñuble", "Biobío", "Araucanía", "Los Ríos",
            "Los Lagos", "Aisén", "Magallanes",
        ),
        561000, 473001, "1.49",
    ),
    "MCO": Site(
        "MCO", "CO", "COL", "Colombia", "Bogota", "COP", "170", 0,
        (-4.3, 13.5, -81.8, -66.8),
        (
            "Bogotá D.C.", "Amazonas", "Antioquia", "Arauca", "Atlántico",
            "Bolívar", "Boyacá", "Caldas", "Caquetá", "Casanare", "Cauca", "Cesar",
            "Chocó", "Córdoba", "Cundinamarca", "Guainía", "Guaviare", "Huila",
            "La Guajira", "Magdalena", "Meta", "Nariño", "Norte de Santander",
            "Putumayo", "Quindío", "Risaralda", "San Andrés", "Santander", "Sucre",
            "Tolima", "Valle del Cauca", "Vaupés", "Vichada",
        ),
        5611, 4731, "2.99",
    ),
    "MPE": Site(
        "MPE", "PE", "PER", "Perú", "Lima", "PEN", "604", 2,
        (-18.4, 0.0, -81.4, -68.6),
        (
            "Lima", "Callao", "Amazonas", "Áncash", "Apurímac", "Arequipa",
            "Ayacucho", "Cajamarca", "Cusco", "Huancavelica", "Huánuco", "Ica",
            "Junín", "La Libertad", "Lambayeque", "Loreto", "Madre de Dios",
            "Moquegua", "Pasco", "Piura", "Puno", "San Martín", "Tacna", "Tumbes",
            "Ucayali",
        ),
        5520, 5050, "3.99",
    ),
    "MLU": Site(
        "MLU", "UY", "URY", "Uruguay", "Montevideo", "UYU", "858", 2,
        (-35.1, -30.0, -58.5, -53.0),
        (
            "Artigas", "Canelones", "Cerro Largo", "Colonia", "Durazno", "Flores",
            "Florida", "Lavalleja", "Maldonado", "Montevideo", "Paysandú",
            "Río Negro", "Rivera", "Rocha", "Salto", "San José", "Soriano",
            "Tacuarembó", "Treinta y Tres",
        ),
        56101, 47300, "2.90",
    ),
}  # fmt: skip


def _fold(text: str) -> str:
    # Accent- and case-insensitive comparison: "Cordoba" matches "Córdoba".
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def state_known(site: Site, state_name: str) -> bool:
    wanted = _fold(state_name)
    return any(_fold(s) == wanted for s in site.states)


def inside_site(site: Site, latitude: Decimal, longitude: Decimal) -> bool:
    lat_min, lat_max, lon_min, lon_max = (Decimal(str(v)) for v in site.bbox)
    return lat_min <= latitude <= lat_max and lon_min <= longitude <= lon_max


def valid_mccs(site: Site) -> tuple[int, int]:
    return (site.mcc_gastronomy, site.mcc_gas_station)


# A store address inside each site's borders and in a state it knows, as
# (country, street, number, city, state, latitude, longitude): what the demo,
# the benchmarks and the tests create their store with.
SAMPLE_STORES = {
    "MLA": ("AR", "Caseros", "3039", "Belgrano", "Capital Federal", -34.6, -58.4),
    "MLB": (
        "BR", "Avenida Paulista", "1578", "São Paulo", "São Paulo", -23.56, -46.65
    ),
    "MLM": (
        "MX", "Paseo de la Reforma", "222", "Juárez", "Ciudad de México", 19.43,
        -99.16,
    ),
    "MLC": (
        "CL", "Avenida Providencia", "1234", "Providencia", "Región Metropolitana",
        -33.43, -70.61,
    ),
    "MCO": ("CO", "Carrera 7", "71-21", "Bogotá", "Bogotá D.C.", 4.65, -74.06),
    "MPE": ("PE", "Avenida Larco", "345", "Miraflores", "Lima", -12.12, -77.03),
    "MLU": (
        "UY", "Avenida 18 de Julio", "1360", "Montevideo", "Montevideo", -34.9,
        -56.18,
    ),
}  # fmt: skip


def sample_store_fields(site_id):
    """The sample store's address as a mercado.pago.qr.store's fields."""
    _country, street, number, city, state, lat, lon = SAMPLE_STORES[site_id]
    return {
        "street_name": street,
        "street_number": number,
        "city_name": city,
        "state_name": state,
        "latitude": lat,
        "longitude": lon,
    }
