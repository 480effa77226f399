"""LEC and LS: scales as data, colour boundaries, bad values."""

from decimal import Decimal

import pytest

from safegrid.core.errors import ServiceError
from safegrid.risk import assessment
from safegrid.risk.models import Method

pytestmark = pytest.mark.django_db


def data(method):
    return assessment.scale_data(assessment.active_scale(method, "430903"))


@pytest.mark.parametrize("score, color", [(20, "blue"), (70, "blue"), ("70.01", "yellow"), (160, "yellow"),
                                          ("160.01", "orange"), (320, "orange"), ("320.01", "red")])
def test_lec_colour_boundaries(score, color):
    assert assessment.color_for(Decimal(str(score)), data(Method.LEC)["bands"]) == color


@pytest.mark.parametrize("likelihood, e, c, score, color", [(10, 2, 1, "20.00", "blue"), (1, 10, 7, "70.00", "blue"),
                                                   (10, 1, 15, "150.00", "yellow"), (10, 6, 3, "180.00", "orange"),
                                                   (10, 10, 3, "300.00", "orange"), (3, 3, 40, "360.00", "red"),
                                                   (0.5, 1, 40, "20.00", "blue")])
def test_lec_products(likelihood, e, c, score, color):
    result = assessment.evaluate(Method.LEC, {"L": likelihood, "E": e, "C": c}, data(Method.LEC))
    assert (str(result[0]), result[1]) == (score, color)


@pytest.mark.parametrize("likelihood, s, color", [(1, 1, "blue"), (2, 4, "blue"), (3, 3, "yellow"), (3, 4, "yellow"),
                                         (3, 5, "orange"), (4, 4, "orange"), (4, 5, "red"), (5, 5, "red")])
def test_ls_boundaries(likelihood, s, color):
    assert assessment.evaluate(Method.LS, {"L": likelihood, "S": s}, data(Method.LS))[1] == color


@pytest.mark.parametrize("method, inputs, field, code", [
    (Method.LEC, {"L": 4, "E": 6, "C": 7}, "L", "L.not_on_scale"),
    (Method.LEC, {"L": 10, "E": 5, "C": 7}, "E", "E.not_on_scale"),
    (Method.LEC, {"L": 10, "E": 6, "C": "abc"}, "C", "C.format"),
    (Method.LS, {"L": 6, "S": 1}, "L", "L.not_on_scale"),
    (Method.LS, {"L": 2, "S": 0}, "S", "S.not_on_scale"),
    (Method.LS, {"L": "2.5", "S": 1}, "L", "L.not_on_scale"),
])
def test_values_off_the_scale_are_refused(method, inputs, field, code):
    with pytest.raises(ServiceError) as exc:
        assessment.evaluate(method, inputs, data(method))
    assert (exc.value.field, exc.value.code) == (field, code)
    assert exc.value.message.startswith(f"{field}(")  # the message names the factor
