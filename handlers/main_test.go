package handlers_test

import (
	"testing"

	"fieldbook/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
