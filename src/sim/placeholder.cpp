namespace rotor::sim {}
