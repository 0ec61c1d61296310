import pytest

from tests.factories import FeederFactory, SubstationFactory


@pytest.fixture
def grid(east, west):
    """Three feeders in the east (two on one substation) and one in the west."""
    s1 = SubstationFactory(code="SS-E1", name="东湖变", region=east)
    s2 = SubstationFactory(code="SS-W1", name="西山变", region=west)
    return {
        "e1": FeederFactory(code="E1", name="10kV东湖一线", substation=s1, region=east),
        "e2": FeederFactory(code="E2", name="10kV东湖二线", substation=s1, region=east),
        "e3": FeederFactory(code="E3", name="10kV东湖三线", substation=s1, region=east),
        "w1": FeederFactory(code="W1", name="10kV西山一线", substation=s2, region=west),
    }


@pytest.fixture
def sent_log(settings, tmp_path):
    """Route SMS to the log-and-file sender, writing into a temporary file."""
    settings.OUTAGE_CHANNEL_SENDERS = {
        "sms": "outages.channels.logfile.LogFileSender",
        "email": "outages.channels.email.EmailSender",
    }
    settings.OUTAGE_NOTICE_LOG_FILE = tmp_path / "notices.log"
    return tmp_path / "notices.log"
