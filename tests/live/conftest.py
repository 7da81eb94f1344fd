from tests.testbed.fixtures import bed, testbed, testbed_server

__all__ = ["bed", "testbed", "testbed_server"]
